/**
 * fsGroup (upstream's SetVolumeOwnership) for the volumes the kubelet itself creates: the group
 * owns the volume, its directories carry the setgid bit so new files inherit that group, and the
 * group can read. emptyDir's root is handled where it is made (empty-dir.ts): it is new and empty.
 * API-data volumes hold a handful of files, and only a mismatch costs a syscall.
 */
import { chmod, chown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from '@skiff/api';
import type { Payload } from './atomic-writer.ts';

export function getFsGroup(pod: Pod): number | undefined {
  return pod.spec?.securityContext?.fsGroup ?? undefined;
}

/** API-data volumes are read-only: files readable by the group (their mode |= 0440). */
export function withGroupReadable(payload: Payload): Payload {
  return new Map([...payload].map(([path, file]) => [path, { ...file, mode: file.mode | 0o440 }]));
}

/** Gives every directory and file under dir to the group (not following links), directories setgid. */
export async function chownTreeToGroup(dir: string, fsGroup: number): Promise<void> {
  const st = await lstat(dir);
  if (st.isSymbolicLink()) return;
  if (st.gid !== fsGroup) await chown(dir, -1, fsGroup);
  if (!st.isDirectory()) return;
  if ((st.mode & 0o2000) === 0) await chmod(dir, (st.mode & 0o7777) | 0o2000 | 0o110);
  for (const entry of await readdir(dir)) await chownTreeToGroup(join(dir, entry), fsGroup);
}
