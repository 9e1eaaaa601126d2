/**
 * The multi-node lab for end-to-end tests: a thin wrapper over the product's `./skiff lab` functions
 * (apps/skiff/src/lab/), so tests exercise exactly what a user runs.
 *
 * A lab is: a host bridge (skiff-lab<slot>, 10.250.<slot>.1/24), one network namespace per node
 * (skiff-n1… for slot 0) with its own dockerd and agent process (kubelet, kube-proxy and dns, on
 * 169.254.20.10 on a dummy interface in the netns), and on the host a control plane of `etcd` etcd
 * members and `controlPlanes` server processes (apiserver, controller-manager, scheduler each; the
 * apiservers behind a TCP load balancer with health checks, the address nodes and tests use). Node K has the address 10.250.<slot>.(10+K).
 *
 * Usage:
 * ```ts
 * const lab = await startLab({ nodes: 3 });
 * after(() => lab.stop());
 * const out = await lab.exec('skiff-n1', { namespace: 'default', pod: 'web-abc' }, ['wget', '-qO-', 'http://web']);
 * ```
 * Root only (netns, iptables, dockerd). Everything lives in a temp SKIFF_HOME removed by stop() unless
 * SKIFF_TEST_KEEP=1 (which keeps <home>/lab/logs). stop() is safe to call twice and after a failed start.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type Docker from 'dockerode';
import { REPO_ROOT } from './repo-root.ts';

/** One lab node (as apps/skiff/src/lab/lab-layout.ts LabNodeInfo). */
export interface LabNodeInfo {
  /** Also the Node object's name and the netns name. */
  name: string;
  /** The node's address on the lab network (its InternalIP). */
  ip: string;
  /** /run/netns/<name> */
  netns: string;
  /** unix:///run/skiff-lab/<name>/docker.sock */
  dockerHost: string;
}

type ExecResult = { exitCode: number; output: string };

/**
 * The product's LabController, loaded by path: the test project cannot reference apps/skiff (that
 * would close the cycle bench → test → apps/skiff → bench), so its shape is restated here.
 */
interface LabControllerLike {
  up(opts: {
    nodes: number;
    etcd: number;
    controlPlanes: number;
    slot: number;
    fastFailover: boolean;
    images: string[];
  }): Promise<{ nodes: LabNodeInfo[]; kubeconfigPath: string; server: string }>;
  down(opts?: { keepLogs?: boolean }): Promise<void>;
  stopNode(name: string): Promise<void>;
  startNode(name: string): Promise<void>;
  restartComponent(name: string, node?: string): Promise<void>;
  stopComponent(name: string, node?: string): Promise<void>;
  startComponent(name: string, node?: string): Promise<void>;
  killComponent(name: string, node?: string): Promise<number | undefined>;
  leaderServer(component: 'controller-manager' | 'scheduler'): Promise<string | undefined>;
  execInPod(node: string, pod: { namespace?: string; pod: string; container?: string }, cmd: string[]): Promise<ExecResult>;
  execInNode(node: string, cmd: string[]): Promise<ExecResult>;
  dockerOf(node: string): Docker;
  waitForNodesReady(names: string[], timeoutMs: number): Promise<void>;
  load(refs: string[]): Promise<void>;
}
type LabControllerClass = new (home: string, opts: { quiet?: boolean }) => LabControllerLike;

export interface StartLabOptions {
  /** Worker nodes (each its own netns + dockerd + kubelet + kube-proxy + dns). */
  nodes: number;
  /** etcd members (default 3). */
  etcd?: number;
  /** apiservers (and controller-managers, schedulers) (default 2). */
  controlPlanes?: number;
  /**
   * Which lab on this host (default 0): slot s uses bridge skiff-lab<s>, network 10.250.<s>.0/24, netns
   * names skiff-n<K> (s=0) or skiff-s<s>n<K>, and its own control-plane ports. Two suites that may run at
   * once pick different slots (cluster.test.ts: 0, networking.test.ts: 1).
   */
  slot?: number;
  /**
   * Short node-failure timings for CI (default true): node-monitor grace 12 s, pod eviction after
   * 10 s of NotReady/unreachable (default tolerations), kubelet heartbeat 3 s.
   */
  fastFailover?: boolean;
  /** Host images to load into every node's engine besides pause/busybox/web (e.g. 'skiff/web:v2'). */
  images?: string[];
}

export interface Lab {
  nodes: LabNodeInfo[];
  /** Admin kubeconfig pointing at the load balancer in front of the apiservers. */
  kubeconfigPath: string;
  /** https://10.250.<slot>.1:<lb port> */
  server: string;
  /** The lab's SKIFF_HOME (logs under <home>/lab/logs). */
  home: string;
  /** Stops the node's kubelet, kube-proxy, dns and dockerd (its containers die with it), like a power-off. */
  stopNode(name: string): Promise<void>;
  /** Starts them again (the node's containers are still on disk: the kubelet must clean them up). */
  startNode(name: string): Promise<void>;
  /**
   * Restarts one process: on the host 'etcd-0'…, 'server-0'… (apiserver-i, controller-manager-i and
   * scheduler-i), 'apiserver-balancer', 'registry'; with `node`, that node's 'agent' (kubelet, kube-proxy, dns).
   */
  restartComponent(name: string, node?: string): Promise<void>;
  /** Stops one process without starting it again (startComponent brings it back). */
  stopComponent(name: string, node?: string): Promise<void>;
  startComponent(name: string, node?: string): Promise<void>;
  /** kill -9 of one process (a crash); returns the pid it had. startComponent brings it back, as systemd would. */
  killComponent(name: string, node?: string): Promise<number | undefined>;
  /** Which server ('server-0'…) holds the controller-manager's (or scheduler's) lease. */
  leaderServer(component: 'controller-manager' | 'scheduler'): Promise<string | undefined>;
  /** Runs `cmd` in a pod's first (or the named) container through the node's Docker engine. */
  exec(node: string, pod: { namespace?: string; pod: string; container?: string }, cmd: string[]): Promise<{ exitCode: number; output: string }>;
  /** Runs a command inside the node's network namespace (curl a NodePort from "the node"). */
  execInNode(node: string, cmd: string[]): Promise<{ exitCode: number; output: string }>;
  /** The node's Docker engine (dockerode), e.g. to `docker kill` an app container. */
  docker(node: string): Docker;
  /** Waits until these nodes are Ready (progress not printed). */
  waitForNodesReady(names: string[], timeoutMs: number): Promise<void>;
  /** `skiff lab load`: host images into every node's engine (skipped where the node has the same image ID). */
  load(refs: string[]): Promise<void>;
  /** Tears everything down (every process, netns, veth, bridge, iptables rule, container). */
  stop(): Promise<void>;
}

export async function startLab(opts: StartLabOptions): Promise<Lab> {
  const slot = opts.slot ?? 0;
  const moduleUrl = pathToFileURL(join(REPO_ROOT, 'apps/skiff/src/lab/lab-controller.ts')).href;
  const { LabController, labSlotFile } = (await import(moduleUrl)) as { LabController: LabControllerClass; labSlotFile(slot: number): string };
  // A test lab left behind by a killed run (its home is one of ours in the temp dir) is removed first.
  const stale = existsSync(labSlotFile(slot)) ? readFileSync(labSlotFile(slot), 'utf8').trim() : '';
  if (stale.startsWith(join(tmpdir(), `skiff-lab-${slot}-`))) {
    await new LabController(stale, { quiet: true }).down().catch(() => {});
    rmSync(stale, { recursive: true, force: true });
  }
  const home = mkdtempSync(join(tmpdir(), `skiff-lab-${slot}-`));
  const labOptions = {
    nodes: opts.nodes,
    etcd: opts.etcd ?? 3,
    controlPlanes: opts.controlPlanes ?? 2,
    slot,
    fastFailover: opts.fastFailover ?? true,
    images: opts.images ?? [],
  };
  const controller = new LabController(home, { quiet: !process.env.SKIFF_TEST_VERBOSE });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const keep = Boolean(process.env.SKIFF_TEST_KEEP);
    try {
      await controller.down({ keepLogs: keep });
    } finally {
      if (keep) console.log(`# lab logs kept in ${join(home, 'lab', 'logs')}`);
      else rmSync(home, { recursive: true, force: true });
    }
  };
  try {
    const state = await controller.up(labOptions);
    return {
      nodes: state.nodes,
      kubeconfigPath: state.kubeconfigPath,
      server: state.server,
      home,
      stopNode: (name) => controller.stopNode(name),
      startNode: (name) => controller.startNode(name),
      restartComponent: (name, node) => controller.restartComponent(name, node),
      stopComponent: (name, node) => controller.stopComponent(name, node),
      startComponent: (name, node) => controller.startComponent(name, node),
      killComponent: (name, node) => controller.killComponent(name, node),
      leaderServer: (component) => controller.leaderServer(component),
      exec: (node, pod, cmd) => controller.execInPod(node, pod, cmd),
      execInNode: (node, cmd) => controller.execInNode(node, cmd),
      docker: (node) => controller.dockerOf(node),
      waitForNodesReady: (names, timeoutMs) => controller.waitForNodesReady(names, timeoutMs),
      load: (refs) => controller.load(refs),
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
