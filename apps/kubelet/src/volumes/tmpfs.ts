/**
 * tmpfs mounts for memory-backed emptyDirs and secret volumes. The kubelet runs as root in the
 * host's mount namespace, so Docker bind-mounts what we mount here; mount(8) keeps this free of
 * native code.
 */
import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount points from /proc/self/mountinfo (field 5; spaces and the like arrive octal-escaped). */
export async function listMountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field) out.push(field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return out;
}

export async function isMountPoint(dir: string): Promise<boolean> {
  const real = await realpath(dir).catch(() => dir);
  return (await listMountPoints()).includes(real);
}

/** Mounts a tmpfs on dir unless one is there already; size in bytes (undefined: the kernel's default, half of RAM). */
export async function ensureTmpfs(dir: string, opts: { sizeBytes?: bigint; mode?: number } = {}): Promise<void> {
  if (await isMountPoint(dir)) return;
  const mode = (opts.mode ?? 0o755).toString(8).padStart(4, '0');
  const options = [`mode=${mode}`, ...(opts.sizeBytes !== undefined ? [`size=${opts.sizeBytes}`] : [])].join(',');
  await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
}

/** Unmounts every mount at or below dir, deepest first; a busy mount is detached lazily. */
export async function unmountAllUnder(dir: string): Promise<void> {
  const real = await realpath(dir).catch(() => dir);
  const mine = (await listMountPoints()).filter((m) => m === real || m.startsWith(`${real}/`));
  // A path can be mounted over more than once: unmount each occurrence, longest paths first.
  mine.sort((a, b) => b.length - a.length);
  for (const m of mine) {
    try {
      await run('umount', [m]);
    } catch {
      await run('umount', ['-l', m]);
    }
  }
}
