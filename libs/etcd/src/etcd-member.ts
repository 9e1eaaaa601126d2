import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { clientUrlOf, etcdCommand, type EtcdMemberSpec } from './etcd-command.ts';
import { isEtcdHealthy, type EtcdClientTls } from './wait-for-etcd.ts';

export interface EtcdMemberOptions {
  /** stdout+stderr of the member go here (appended across restarts); default: discarded. */
  logFile?: string;
  /** How long start() waits for /health (default 30 s). */
  startTimeoutMs?: number;
  /** What start() shows a TLS member's /health; default its own peer certificate (server and client). */
  healthClient?: EtcdClientTls;
}

/** Every live member of this process, so an abrupt exit (failed test, Ctrl-C) leaves no etcd behind. */
const liveMembers = new Set<EtcdMember>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const member of liveMembers) member.killSync();
  });
}

/**
 * One etcd member as a child process. start() resolves once the member answers
 * `/health` (which needs a quorum, so the members of a new cluster must be started
 * together); stop() is a graceful SIGTERM, kill() a crash. A stopped member can be
 * started again on the same data dir: it rejoins the cluster it belongs to.
 */
export class EtcdMember {
  readonly spec: EtcdMemberSpec;
  readonly options: EtcdMemberOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(spec: EtcdMemberSpec, options: EtcdMemberOptions = {}) {
    this.spec = { ...spec };
    this.options = options;
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get clientUrl(): string {
    return clientUrlOf(this.spec);
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    const { bin, args } = etcdCommand(this.spec);
    mkdirSync(this.spec.dataDir, { recursive: true, mode: 0o700 });
    let logFd: number | undefined;
    if (this.options.logFile) {
      mkdirSync(dirname(this.options.logFile), { recursive: true });
      logFd = openSync(this.options.logFile, 'a');
    }
    const child = spawn(bin, args, { stdio: ['ignore', logFd ?? 'ignore', logFd ?? 'ignore'] });
    if (logFd !== undefined) closeSync(logFd);
    this.#child = child;
    liveMembers.add(this);
    installExitHook();
    let exitInfo: string | undefined;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = signal ? `signal ${signal}` : `code ${code}`;
        if (this.#child === child) this.#child = undefined;
        liveMembers.delete(this);
        resolve();
      });
      child.once('error', (err) => {
        exitInfo = err.message;
        if (this.#child === child) this.#child = undefined;
        liveMembers.delete(this);
        resolve();
      });
    });

    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    const healthClient = this.#healthClient();
    while (!(await isEtcdHealthy(this.clientUrl, 1000, healthClient))) {
      if (exitInfo !== undefined) {
        throw new Error(`etcd member ${this.name} exited during start (${exitInfo})${this.#logTail()}`);
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`etcd member ${this.name} not healthy at ${this.clientUrl} in time${this.#logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // From now on the data dir holds a member of an existing cluster.
    this.spec.clusterState = 'existing';
  }

  /** Graceful stop: SIGTERM, then SIGKILL if it lingers past timeoutMs. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Crash: SIGKILL, resolving once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.#exited;
  }

  /** For the process exit hook only: no awaiting possible there. */
  killSync(): void {
    this.#child?.kill('SIGKILL');
  }

  #healthClient(): EtcdClientTls | undefined {
    const tls = this.spec.tls;
    if (this.options.healthClient || !tls) return this.options.healthClient;
    return { ca: readFileSync(tls.caFile), cert: readFileSync(tls.peerCertFile), key: readFileSync(tls.peerKeyFile) };
  }

  #logTail(): string {
    if (!this.options.logFile) return '';
    try {
      const lines = readFileSync(this.options.logFile, 'utf8').trimEnd().split('\n');
      return `; last log lines of ${this.options.logFile}:\n${lines.slice(-10).join('\n')}`;
    } catch {
      return '';
    }
  }
}
