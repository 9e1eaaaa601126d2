/** Runs host tools (iptables, ip, conntrack): they are the interface to the kernel's netfilter. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (cmd: string, args: string[], stdin?: string) => Promise<CommandResult>;

export interface RunCommandOptions {
  /** Kill the command (SIGKILL) after this long; 0 or unset = never. */
  timeoutMs?: number;
}

/**
 * Spawns without a shell and feeds `stdin` (always closed, so nothing waits on it). Output is
 * streamed into strings with no size cap: an iptables-save of a big cluster runs to tens of MB.
 * Resolves for any exit (callers read `code`; a signal gives 128 + its number, as a shell shows
 * it); rejects only when the command cannot start (e.g. a missing binary).
 */
export function runCommand(cmd: string, args: readonly string[], stdin?: string, opts: RunCommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr });
    });
    child.stdin.on('error', () => {}); // the process may exit before reading everything
    child.stdin.end(stdin ?? '');
  });
}
