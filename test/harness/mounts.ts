import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Lazily unmounts the tmpfs mounts a kubelet leaves under dir (secret and projected volumes stay
 * mounted across a kubelet stop, as they must for a restart), deepest first, so dir can be removed.
 */
export function unmountLeftovers(dir: string): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${dir}/`));
  for (const m of points.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m]);
}
