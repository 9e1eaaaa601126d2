import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process the launcher owns: its pid file, its log file, and a marker its command line must contain. */
export type ManagedProcess = {
  name: string;
  pidFile: string;
  logFile: string;
  /**
   * A string only our process has in its /proc/<pid>/cmdline (a data dir, a script path). A pid file can
   * outlive its process and the pid be reused; we never signal a pid whose command line lacks it.
   */
  marker: string;
};

export type StartOptions = ManagedProcess & {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
};

/** Whether `pid` exists and is not a zombie (an exited child its parent has not reaped yet). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself contain spaces or ')'.
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Whether `pid` is a live process whose command line contains `marker`. */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return cmdline.includes(marker);
  } catch {
    return false;
  }
}

export async function readPidFile(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the running process, or undefined when its pid file is missing, stale or not ours. */
export async function findRunningPid(proc: ManagedProcess): Promise<number | undefined> {
  const pid = await readPidFile(proc.pidFile);
  return pid !== undefined && isOurProcess(pid, proc.marker) ? pid : undefined;
}

/**
 * Starts a process in its own session (so it outlives the launcher and a Ctrl-C in its terminal),
 * stdout and stderr appended to its log file, and records its pid.
 */
export async function startDetached(opts: StartOptions): Promise<number> {
  await mkdir(dirname(opts.pidFile), { recursive: true });
  await mkdir(dirname(opts.logFile), { recursive: true });
  const log = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    const pid = await new Promise<number>((resolvePid, reject) => {
      child.once('error', (err) => reject(new Error(`${opts.name}: cannot start ${opts.command}`, { cause: err })));
      child.once('spawn', () => resolvePid(child.pid!));
    });
    child.unref();
    await writeFile(opts.pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(log);
  }
}

/** Waits until `pid` is gone; false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

export type StopResult = 'not-running' | 'stopped' | 'killed';

/**
 * SIGTERM, then SIGKILL after `timeoutMs`; removes the pid file. A pid file naming someone else's
 * process is only removed: that pid is not ours to signal.
 */
export async function stopProcess(proc: ManagedProcess, timeoutMs = 10_000): Promise<StopResult> {
  const pid = await findRunningPid(proc);
  let result: StopResult = 'not-running';
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    if (await waitForExit(pid, timeoutMs)) {
      result = 'stopped';
    } else {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
      result = 'killed';
    }
  }
  await rm(proc.pidFile, { force: true });
  return result;
}

/** The last `lines` lines of a log file, for error messages that say why a start failed. */
export async function readLogTail(logFile: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
