/**
 * emptyDir volumes: a directory under the pod (0777, as upstream makes it so any user in the
 * pod can write), or with `medium: Memory` a tmpfs whose size is the sizeLimit; owned by the pod's
 * fsGroup when it has one.
 */
import { chmod, chown, mkdir } from 'node:fs/promises';
import { parseQuantity, type Volume } from '@skiff/api';
import { ensureTmpfs } from './tmpfs.ts';

export async function setUpEmptyDir(dir: string, source: NonNullable<Volume['emptyDir']>, fsGroup?: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const medium = source.medium ?? '';
  if (medium === 'Memory') {
    const size = source.sizeLimit !== undefined ? parseQuantity(source.sizeLimit).scaledValue(0) : undefined;
    await ensureTmpfs(dir, { sizeBytes: size !== undefined && size > 0n ? size : undefined, mode: 0o777 });
  } else if (medium !== '') {
    throw new Error(`emptyDir medium "${medium}" is not supported`);
  }
  // With fsGroup the group owns it and the setgid bit hands that group to everything created inside.
  if (fsGroup !== undefined) await chown(dir, -1, fsGroup);
  await chmod(dir, fsGroup !== undefined ? 0o2777 : 0o777);
}
