import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findResourceByKind, type Node } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { REPO_ROOT } from './repo-root.ts';
import { startTestCluster, type TestCluster } from './test-cluster.ts';

const NODES = findResourceByKind('v1', 'Node')!;

// The launcher is not a project this one references (it references the benches, which use these
// helpers): its roles module is loaded by path, as lab.ts loads the lab.
type RolesModule = { componentCommand(name: ComponentProcessOptions['component'], flags: string[]): { command: string; args: string[] } };
const roles = (await import(pathToFileURL(join(REPO_ROOT, 'apps/skiff/src/roles/roles.ts')).href)) as RolesModule;

export interface ComponentProcessOptions {
  /** For messages and the log file name: `controller-manager`, `scheduler`, `hollow-a`... */
  name: string;
  /**
   * The component, started as `./skiff run COMPONENT FLAGS` through the launcher's roles module
   * (apps/skiff/src/roles/roles.ts), the one place that builds component command lines.
   */
  component: 'apiserver' | 'controller-manager' | 'scheduler' | 'kubelet' | 'kube-proxy' | 'dns' | 'local-path';
  /** Flags, `--name=value` each. */
  args: string[];
  /** stdout+stderr, appended across restarts. */
  logFile: string;
  /**
   * How long the process must stay up after spawn to count as started: these components
   * have no readiness endpoint of their own (metrics are off in tests), so a flag or
   * kubeconfig error shows as an early exit.
   */
  settleMs?: number;
}

const liveProcesses = new Set<ChildProcess>();
let exitHookInstalled = false;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * A control-plane component (controller-manager, scheduler, a hollow kubelet) as a child
 * process in its own process group, run exactly as an operator runs it, so suites can
 * crash it (kill), freeze it (pause: its heartbeats stop), and start it again.
 */
export class ComponentProcess {
  readonly options: ComponentProcessOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #exitInfo: string | undefined;

  constructor(options: ComponentProcessOptions) {
    this.options = options;
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** How the last run ended (`code 1`, `signal SIGKILL`), if it did. */
  get exitInfo(): string | undefined {
    return this.#exitInfo;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    const logFd = openSync(this.options.logFile, 'a');
    const { command, args } = roles.componentCommand(this.options.component, this.options.args);
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...process.env, SKIFF_LOG_LEVEL: process.env.SKIFF_LOG_LEVEL ?? 'info' },
    });
    closeSync(logFd);
    this.#child = child;
    this.#exitInfo = undefined;
    liveProcesses.add(child);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => liveProcesses.forEach((c) => signalGroup(c, 'SIGKILL')));
    }
    this.#exited = new Promise((resolve) => {
      const onGone = (info: string) => {
        this.#exitInfo = info;
        liveProcesses.delete(child);
        if (this.#child === child) this.#child = undefined;
        resolve();
      };
      child.once('exit', (code, signal) => onGone(signal ? `signal ${signal}` : `code ${code}`));
      child.once('error', (err) => onGone(err.message));
    });
    const settled = await Promise.race([
      this.#exited.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), this.options.settleMs ?? 1500)),
    ]);
    if (!settled) throw new Error(`${this.name} exited during start (${this.#exitInfo})${this.logTail()}`);
  }

  /** SIGTERM (a clean shutdown: leases released), SIGKILL if it lingers. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    signalGroup(child, 'SIGCONT');
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** A crash: SIGKILL to the group (kill -9). */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    signalGroup(child, 'SIGKILL');
    await this.#exited;
  }

  /** SIGSTOP: the process is alive but silent, like a partitioned machine. */
  pause(): void {
    if (this.#child) signalGroup(this.#child, 'SIGSTOP');
  }

  resume(): void {
    if (this.#child) signalGroup(this.#child, 'SIGCONT');
  }

  log(): string {
    try {
      return readFileSync(this.options.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  logTail(lines = 15): string {
    const all = this.log().trimEnd().split('\n');
    return `; last log lines of ${this.options.logFile}:\n${all.slice(-lines).join('\n')}`;
  }
}

export interface ComponentStartOptions {
  /** Distinguishes several instances (log file, messages). */
  name?: string;
  /** More flags, `--name=value` each; they come after the defaults, so they win. */
  args?: string[];
  /** Spawn but do not start (for suites that time the start themselves). */
  deferStart?: boolean;
}

async function startComponent(options: ComponentProcessOptions, deferStart?: boolean): Promise<ComponentProcess> {
  const component = new ComponentProcess(options);
  if (!deferStart) await component.start();
  return component;
}

/** `skiff run controller-manager --kubeconfig=... --metrics-port=0 [args]`. */
export function startControllerManager(cluster: Pick<TestCluster, 'dir' | 'kubeconfigPath'>, opts: ComponentStartOptions = {}): Promise<ComponentProcess> {
  const name = opts.name ?? 'controller-manager';
  return startComponent(
    {
      name,
      component: 'controller-manager',
      args: [
        `--kubeconfig=${cluster.kubeconfigPath}`,
        '--leader-elect=false',
        '--metrics-port=0',
        // kube-root-ca.crt and legacy token Secrets, from the cluster PKI the apiserver uses.
        `--root-ca-file=${join(cluster.dir, 'pki', 'ca.crt')}`,
        `--service-account-private-key-file=${join(cluster.dir, 'pki', 'sa.key')}`,
        ...(opts.args ?? []),
      ],
      logFile: join(cluster.dir, 'logs', `${name}.log`),
    },
    opts.deferStart,
  );
}

/** `skiff run scheduler --kubeconfig=... --metrics-port=0 [args]`. */
export function startScheduler(cluster: Pick<TestCluster, 'dir' | 'kubeconfigPath'>, opts: ComponentStartOptions = {}): Promise<ComponentProcess> {
  const name = opts.name ?? 'scheduler';
  return startComponent(
    {
      name,
      component: 'scheduler',
      args: [`--kubeconfig=${cluster.kubeconfigPath}`, '--leader-elect=false', '--metrics-port=0', ...(opts.args ?? [])],
      logFile: join(cluster.dir, 'logs', `${name}.log`),
    },
    opts.deferStart,
  );
}

export interface HollowNodesOptions extends ComponentStartOptions {
  /** Hollow nodes in this one process (default 1). */
  count?: number;
  /** Node names are `<prefix><i>` (default `hollow-node-`). */
  prefix?: string;
  cpu?: string;
  memory?: string;
  maxPods?: number;
  /** `k=v,...` */
  labels?: string;
}

/** `skiff run kubelet --kubeconfig=... --hollow-nodes=N ...`: N fake-runtime nodes in one process. */
export function startHollowNodes(cluster: Pick<TestCluster, 'dir' | 'kubeconfigPath'>, opts: HollowNodesOptions = {}): Promise<ComponentProcess> {
  const prefix = opts.prefix ?? 'hollow-node-';
  const name = opts.name ?? `kubelet-${prefix.replace(/-$/, '')}`;
  const args = [`--kubeconfig=${cluster.kubeconfigPath}`, `--hollow-nodes=${opts.count ?? 1}`, `--node-name-prefix=${prefix}`, '--metrics-port=0'];
  if (opts.cpu) args.push(`--node-cpu=${opts.cpu}`);
  if (opts.memory) args.push(`--node-memory=${opts.memory}`);
  if (opts.maxPods !== undefined) args.push(`--node-max-pods=${opts.maxPods}`);
  if (opts.labels) args.push(`--node-labels=${opts.labels}`);
  args.push(...(opts.args ?? []));
  return startComponent({ name, component: 'kubelet', args, logFile: join(cluster.dir, 'logs', `${name}.log`) }, opts.deferStart);
}

export interface ControlPlaneOptions {
  /** First port of the suite's range (etcd basePort.., apiserver basePort+100 unless apiServerPort). */
  basePort: number;
  apiServerPort?: number;
  etcdMembers?: number;
  /** Hollow kubelet processes, one node each, named `hollow-<letter>-<i>` (default 3). */
  kubeletProcesses?: number;
  /** Per-process hollow node options. */
  kubelet?: Omit<HollowNodesOptions, 'prefix' | 'name' | 'deferStart'>;
  /** Controller-manager replicas (default 1; with more, pass --leader-elect=true in controllerManagerArgs). */
  controllerManagers?: number;
  controllerManagerArgs?: string[];
  /** false = no scheduler. */
  scheduler?: boolean;
  schedulerArgs?: string[];
  apiServerArgs?: string[];
}

export interface ControlPlane {
  cluster: TestCluster;
  client: RestClient;
  controllerManagers: ComponentProcess[];
  scheduler: ComponentProcess | undefined;
  kubelets: ComponentProcess[];
  /** The node-name prefix of kubelets[i]. */
  kubeletPrefix(i: number): string;
  /** Tears everything down (components first); safe after a failed start. */
  stop(): Promise<void>;
}

/** Which node-name prefix the i-th hollow kubelet process of a control plane uses. */
export const hollowPrefix = (i: number): string => `hollow-${String.fromCharCode(97 + i)}-`;

/**
 * A whole cluster for the control-loop suites: etcd, the apiserver, controller-manager(s),
 * the scheduler and hollow kubelet processes (one node each so a suite can kill one node),
 * returned once every hollow node is registered and Ready.
 */
export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const cluster = await startTestCluster({
    basePort: opts.basePort,
    apiServerPort: opts.apiServerPort,
    etcdMembers: opts.etcdMembers ?? 1,
    apiServerArgs: opts.apiServerArgs,
  });
  const client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
  const controllerManagers: ComponentProcess[] = [];
  const kubelets: ComponentProcess[] = [];
  let scheduler: ComponentProcess | undefined;
  const stop = async () => {
    const all = [...kubelets, ...controllerManagers, ...(scheduler ? [scheduler] : [])];
    await Promise.all(all.map((c) => c.stop(5000).catch(() => c.kill())));
    client.close();
    await cluster.stop();
  };
  try {
    for (let i = 0; i < (opts.controllerManagers ?? 1); i++) {
      const name = (opts.controllerManagers ?? 1) > 1 ? `controller-manager-${i}` : 'controller-manager';
      controllerManagers.push(await startControllerManager(cluster, { name, args: opts.controllerManagerArgs }));
    }
    if (opts.scheduler !== false) scheduler = await startScheduler(cluster, { args: opts.schedulerArgs });
    const processes = opts.kubeletProcesses ?? 3;
    for (let i = 0; i < processes; i++) {
      kubelets.push(await startHollowNodes(cluster, { ...opts.kubelet, prefix: hollowPrefix(i), count: opts.kubelet?.count ?? 1 }));
    }
    const expected = processes * (opts.kubelet?.count ?? 1);
    await waitForReadyNodes(client, expected, 60_000);
    return { cluster, client, controllerManagers, scheduler, kubelets, kubeletPrefix: hollowPrefix, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resolves when at least `count` Nodes report Ready=True. */
export async function waitForReadyNodes(client: RestClient, count: number, timeoutMs: number): Promise<Node[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nodes = (await client.list<Node>(NODES)).items;
    const ready = nodes.filter(isNodeReady);
    if (ready.length >= count) return ready;
    if (Date.now() > deadline) {
      throw new Error(`want ${count} Ready nodes, have ${ready.length} of ${nodes.length}: ${nodes.map((n) => n.metadata?.name).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
