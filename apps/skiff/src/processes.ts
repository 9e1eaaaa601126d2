import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
// Not from '@skiff/log': the launcher's quick commands need not load pino and prom-client.
import { rotateIfFull, rotationLimitsFromEnv } from '@skiff/log/rotating-file';

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

/** A component the launcher runs: how to start it and how to tell it is healthy. */
export type ComponentSpec = ManagedProcess & {
  /** Where its health is checked, for messages. */
  healthUrl: string;
  isHealthy(): Promise<boolean>;
  createStartOptions(): StartOptions;
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
 *
 * The log stays bounded by size (SKIFF_LOG_MAX_BYTES, SKIFF_LOG_MAX_FILES: @skiff/log's
 * rotating-file.ts). A Skiff process is told its log file in SKIFF_LOG_FILE and rotates it itself
 * as it writes; one that is not ours (etcd, dockerd) has its log rotated here, when it starts on a
 * full one.
 */
export async function startDetached(opts: StartOptions): Promise<number> {
  await mkdir(dirname(opts.pidFile), { recursive: true });
  await mkdir(dirname(opts.logFile), { recursive: true });
  const env = opts.env ?? process.env;
  rotateIfFull(opts.logFile, rotationLimitsFromEnv(env));
  const log = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: { ...env, SKIFF_LOG_FILE: opts.logFile },
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

export type EnsureOptions = {
  /** How long a start, or a wait on a process found running, may take. */
  timeoutMs: number;
  /** Runs right before a start (fresh credentials for the new process). */
  prepare?: () => Promise<void>;
  progress?: (message: string) => void;
};

export type EnsureResult = 'already-running' | 'started' | 'restarted';

/**
 * Starts `component` unless it already runs; either way returns once it is healthy.
 *
 * A live pid in the pid file does not prove the component will keep running: it may be starting,
 * or it may have been sent SIGTERM (`kill $(cat run/apiserver.pid)`, a `down` elsewhere) and be
 * shutting down. Seen from outside the two look alike — alive, not healthy — so we wait for whichever
 * comes first: healthy (it was starting: keep it) or gone (it was stopping: start it anew). Health is
 * what tells them apart once it answers: every Skiff component fails its health check from the
 * moment it begins to shut down (the apiserver's /readyz; the controller-manager's /healthz, on a
 * signal or a lost lease; the others' through @skiff/log's markShuttingDown), and etcd stops
 * answering within moments of SIGTERM.
 */
export async function ensureComponentRunning(component: ComponentSpec, opts: EnsureOptions): Promise<EnsureResult> {
  const progress = opts.progress ?? (() => {});
  const running = await findRunningPid(component);
  if (running !== undefined) {
    const waitingLine = `${component.name}: pid ${running} is not healthy (starting, or shutting down); waiting up to ${opts.timeoutMs / 1000} s for it to turn healthy or exit`;
    const outcome = await waitForHealthyOrExit(component, running, opts.timeoutMs, () => progress(waitingLine));
    if (outcome === 'healthy') {
      progress(`${component.name}: already running (pid ${running})`);
      return 'already-running';
    }
    if (outcome === 'timeout') {
      const tail = await readLogTail(component.logFile);
      throw new Error(
        `${component.name} (pid ${running}) neither turned healthy at ${component.healthUrl} nor exited within ${opts.timeoutMs / 1000} s; ` +
          `stop it ('./skiff down') and try again; see ${component.logFile}${tail ? `:\n${tail}` : ''}`,
      );
    }
    progress(`${component.name}: pid ${running} exited (it was shutting down); starting it again`);
  }
  await opts.prepare?.();
  // Something healthy on our port that is not our process would make ours fail to bind: say so plainly.
  if (await component.isHealthy()) {
    throw new Error(`${component.name}: ${component.healthUrl} answers but not from a process Skiff started; stop it first`);
  }
  const pid = await startDetached(component.createStartOptions());
  progress(`${component.name}: started (pid ${pid}), waiting for ${component.healthUrl}`);
  const outcome = await waitForHealthyOrExit(component, pid, opts.timeoutMs);
  if (outcome !== 'healthy') {
    const why = outcome === 'exited' ? 'exited' : `was not healthy at ${component.healthUrl} within ${opts.timeoutMs / 1000} s`;
    const tail = await readLogTail(component.logFile);
    throw new Error(`${component.name} ${why}; see ${component.logFile}${tail ? `:\n${tail}` : ''}`);
  }
  progress(`${component.name}: healthy`);
  return running === undefined ? 'started' : 'restarted';
}

/**
 * Polls until `component` answers healthy or process `pid` is gone, whichever comes first;
 * `onWaiting` runs once, on the first unhealthy answer.
 */
export async function waitForHealthyOrExit(
  component: ComponentSpec,
  pid: number,
  timeoutMs: number,
  onWaiting?: () => void,
): Promise<'healthy' | 'exited' | 'timeout'> {
  const deadline = Date.now() + timeoutMs;
  let waiting = false;
  for (;;) {
    // Alive first: a process that just exited may still have answered the probe a moment ago.
    const alive = isOurProcess(pid, component.marker);
    if (alive && (await component.isHealthy()) && isOurProcess(pid, component.marker)) return 'healthy';
    if (!alive) return 'exited';
    if (Date.now() > deadline) return 'timeout';
    if (!waiting) onWaiting?.();
    waiting = true;
    await sleep(200);
  }
}
