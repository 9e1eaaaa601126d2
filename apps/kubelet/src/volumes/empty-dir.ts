/**
 * emptyDir volumes: a directory under the pod (0777, as upstream makes it so any user in the
 * pod can write), or with `medium: Memory` a tmpfs whose size is the sizeLimit.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { parseQuantity, type Volume } from '@skiff/api';
import { ensureTmpfs } from './tmpfs.ts';

export async function setUpEmptyDir(dir: string, source: NonNullable<Volume['emptyDir']>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const medium = source.medium ?? '';
  if (medium === 'Memory') {
    const size = source.sizeLimit !== undefined ? parseQuantity(source.sizeLimit).scaledValue(0) : undefined;
    await ensureTmpfs(dir, { sizeBytes: size !== undefined && size > 0n ? size : undefined, mode: 0o777 });
  } else if (medium !== '') {
    throw new Error(`emptyDir medium "${medium}" is not supported`);
  }
  await chmod(dir, 0o777);
}
