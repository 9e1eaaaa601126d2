/** Runs the host tools the lab needs (ip, iptables, sysctl): they are the interface to the kernel here. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export type CommandResult = { code: number; stdout: string; stderr: string };

/** Runs `command args`; never throws for a non-zero exit (callers decide what a failure means). */
export function tryCommand(command: string, args: string[], input?: string, timeoutMs = 0): Promise<CommandResult> {
  return new Promise((resolveResult) => {
    const child = execFile(command, args, { maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 127) : 0;
      resolveResult({ code, stdout: String(stdout), stderr: String(stderr || (err && code === 127 ? err.message : '')) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs `command args` and throws with its stderr when it fails. */
export async function runCommand(command: string, args: string[], input?: string): Promise<string> {
  const result = await tryCommand(command, args, input);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Runs `command args` inside the network namespace at `netnsPath` (nsenter keeps the host's mounts). */
export function runInNetns(netnsPath: string, command: string, args: string[]): Promise<string> {
  return runCommand('nsenter', [`--net=${netnsPath}`, command, ...args]);
}

export function tryInNetns(netnsPath: string, command: string, args: string[]): Promise<CommandResult> {
  return tryCommand('nsenter', [`--net=${netnsPath}`, command, ...args]);
}

/** Lazily unmounts what a stopped engine or kubelet left mounted under these directories (overlays, netns files, pod tmpfs), deepest first. */
export async function unmountUnder(prefixes: string[]): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '');
  const ours = mounts.filter((m) => prefixes.some((p) => m === p || m.startsWith(`${p}/`)));
  for (const m of ours.sort((a, b) => b.length - a.length)) await tryCommand('umount', ['-l', m]);
}
