/** Runs the host tools the lab needs (ip, iptables, sysctl): they are the interface to the kernel here. */
import { readFile } from 'node:fs/promises';
import { runCommand as runTool, type CommandResult } from '@skiff/netfilter';

export type { CommandResult } from '@skiff/netfilter';

/**
 * Runs `command args`; never throws, not even for a missing binary (exit 127, as a shell says it):
 * callers decide what a failure means. A command past `timeoutMs` is killed (exit 137).
 */
export async function tryCommand(command: string, args: string[], input?: string, timeoutMs = 0): Promise<CommandResult> {
  try {
    return await runTool(command, args, input, { timeoutMs });
  } catch (err) {
    return { code: 127, stdout: '', stderr: (err as Error).message };
  }
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
