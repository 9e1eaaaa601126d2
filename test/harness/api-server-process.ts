import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { REPO_ROOT } from './repo-root.ts';

export interface ApiServerProcessOptions {
  /** Flags for apps/apiserver/src/main.ts, `--name=value` each. */
  args: string[];
  /** https://127.0.0.1:PORT */
  url: string;
  caCert: string;
  /** stdout+stderr, appended across restarts. */
  logFile: string;
  startTimeoutMs?: number;
}

const liveProcesses = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills the whole process group: main.ts may itself have children. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * The apiserver as a child process in its own process group, exactly as an operator
 * runs it (`node apps/apiserver/src/main.ts --flags`), so the tests exercise the real
 * entry point, flag parsing, TLS and shutdown.
 */
export class ApiServerProcess {
  readonly options: ApiServerProcessOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(options: ApiServerProcessOptions) {
    this.options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    const logFd = openSync(this.options.logFile, 'a');
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/apiserver/src/main.ts'), ...this.options.args], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, SKIFF_LOG_LEVEL: process.env.SKIFF_LOG_LEVEL ?? 'info' },
    });
    closeSync(logFd);
    this.#child = child;
    liveProcesses.add(child);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => liveProcesses.forEach((c) => killGroup(c, 'SIGKILL')));
    }
    let exitInfo: string | undefined;
    this.#exited = new Promise((resolve) => {
      const onGone = (info: string) => {
        exitInfo = info;
        liveProcesses.delete(child);
        if (this.#child === child) this.#child = undefined;
        resolve();
      };
      child.once('exit', (code, signal) => onGone(signal ? `signal ${signal}` : `code ${code}`));
      child.once('error', (err) => onGone(err.message));
    });
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    while (!(await this.isReady())) {
      if (exitInfo !== undefined) {
        throw new Error(`apiserver exited during start (${exitInfo})${this.logTail()}`);
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`apiserver not ready at ${this.options.url}/readyz in time${this.logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  /** SIGTERM (the apiserver exits 0 after closing), SIGKILL if it lingers. Returns the exit. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** A crash: SIGKILL to the group. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    killGroup(child, 'SIGKILL');
    await this.#exited;
  }

  /** GET /readyz answering 200 (no credentials needed). */
  isReady(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request(`${this.options.url}/readyz`, { ca: this.options.caCert, timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
  }

  logTail(lines = 15): string {
    try {
      const all = readFileSync(this.options.logFile, 'utf8').trimEnd().split('\n');
      return `; last log lines of ${this.options.logFile}:\n${all.slice(-lines).join('\n')}`;
    } catch {
      return '';
    }
  }
}
