/**
 * Many hollow nodes in one process, kubemark style: each is the real Kubelet (pod workers,
 * syncPod, status manager, node status and Lease) over its own FakeRuntime. Thousands of nodes
 * must not mean thousands of watches: the process keeps ONE pod informer (pods bound to any
 * node) and ONE node informer, and dispatches by spec.nodeName / node name to its Kubelets,
 * which share one ConfigMap/Secret cache too. What a fake node cannot do — volumes, probes,
 * preStop exec, the kubelet API, garbage collection, Events — is simply not plugged in.
 * Heartbeats (lease every 10 s, node status check every 10 s) run on per-node timers with a
 * cap on API calls in flight; pod API calls (status, deletion) have a cap of their own, so a
 * burst of pods cannot starve the leases.
 */
import { findResource, type Node, type Pod } from '@skiff/api';
import { Informer, NODE_NAME_INDEX, sleep, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { ApiSources } from './agent/api-sources.ts';
import { Kubelet } from './agent/kubelet.ts';
import { FakeRuntime, FAKE_RUNTIME_VERSION } from './fake-runtime.ts';
import { hollowNodeIp } from './node-status.ts';

const nodesResource = findResource('', 'v1', 'nodes')!;
const podsResource = findResource('', 'v1', 'pods')!;
/** How long a clean stop may spend deleting this process's pods, Nodes and Leases. */
const DEREGISTER_TIMEOUT_MS = 5_000;
/**
 * Hollow pods resync at upstream kubelet's default syncFrequency (1 min) rather than the Docker
 * node's 10 s: nothing changes in a fake runtime unprompted, and 10,000 hollow pods at 10 s would
 * be 1,000 syncs a second of pure overhead. Events (pod updates, back-off ends) still sync at once.
 */
export const HOLLOW_POD_RESYNC_MS = 60_000;

type KubeletClient = Pick<RestClient, 'get' | 'create' | 'update' | 'patch' | 'delete'>;

export interface HollowKubeletOptions {
  client: RestClient;
  logger: Logger;
  hollowNodes: number;
  nodeNamePrefix: string;
  /** First node index (several processes can share a prefix with distinct ranges). */
  firstIndex?: number;
  cpu: string;
  memory: string;
  maxPods: number;
  labels: Record<string, string>;
  heartbeatIntervalMs?: number;
  /** API calls in flight for registration and heartbeats together. */
  concurrency?: number;
  /** Pod API calls (status writes, deletion confirmations) in flight. */
  podWorkers?: number;
  /** Each pod's periodic resync (default HOLLOW_POD_RESYNC_MS). */
  podResyncMs?: number;
}

/** A counting semaphore: bounded concurrency for bursts of heartbeats and registrations. */
class Limiter {
  #free: number;
  readonly #waiters: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiters.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiters.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** The client with every call counted against `limiter`. */
function limitClient(client: KubeletClient, limiter: Limiter): KubeletClient {
  return {
    get: (...args) => limiter.run(() => client.get(...args)),
    create: (...args) => limiter.run(() => client.create(...args)),
    update: (...args) => limiter.run(() => client.update(...args)),
    patch: (...args) => limiter.run(() => client.patch(...args)),
    delete: (...args) => limiter.run(() => client.delete(...args)),
  } as KubeletClient;
}

export class HollowKubelet {
  readonly kubelets = new Map<string, Kubelet>();
  readonly #opts: HollowKubeletOptions;
  readonly #pods: Informer<Pod>;
  readonly #nodes: Informer<Node>;
  readonly #limiter: Limiter;
  /** Registered nodes: only these heartbeat (a node re-registers when deleted). */
  readonly #registered = new Set<string>();
  readonly stats = { podSyncs: 0, podSyncErrors: 0, heartbeats: 0, heartbeatFailures: 0 };
  #deregistering = false;

  constructor(opts: HollowKubeletOptions) {
    this.#opts = opts;
    this.#limiter = new Limiter(opts.concurrency ?? 32);
    const { client, logger } = opts;
    // `spec.nodeName!=` keeps unscheduled pods out of this process's memory.
    this.#pods = new Informer<Pod>({ client, resource: podsResource, fieldSelector: 'spec.nodeName!=', logger });
    this.#nodes = new Informer<Node>({ client, resource: nodesResource, logger });
    const first = opts.firstIndex ?? 0;
    const runtimeVersion = `fake://${FAKE_RUNTIME_VERSION}`;
    const podClient = limitClient(client, new Limiter(opts.podWorkers ?? 16));
    const sources = new ApiSources(podClient);
    const onSync = (result: 'success' | 'error') => {
      this.stats.podSyncs++;
      if (result === 'error') this.stats.podSyncErrors++;
    };
    for (let i = first; i < first + opts.hollowNodes; i++) {
      const name = `${opts.nodeNamePrefix}${i}`;
      // A container that exits by itself (hollow.skiff.dev/exit-after) syncs its pod at once.
      const runtime = new FakeRuntime({ onContainerExit: (uid) => this.kubelets.get(name)?.syncPod(uid) });
      this.kubelets.set(
        name,
        new Kubelet({
          shape: {
            name,
            internalIp: hollowNodeIp(i),
            cpu: opts.cpu,
            memory: opts.memory,
            maxPods: opts.maxPods,
            labels: opts.labels,
            runtimeVersion,
            arch: process.arch === 'arm64' ? 'arm64' : 'amd64',
          },
          runtime,
          client: podClient,
          nodeClient: client,
          logger: logger.child({ node: name }),
          getNode: () => this.#nodes.get(undefined, name),
          sources,
          onSync,
          resyncMs: opts.podResyncMs ?? HOLLOW_POD_RESYNC_MS,
        }),
      );
    }
  }

  /**
   * Registers every node, then heartbeats and runs pods until the signal aborts; then deregisters
   * (a clean stop, SIGTERM: a crash leaves the nodes to go Unknown).
   */
  async run(signal: AbortSignal): Promise<void> {
    const { logger } = this.#opts;
    this.#wireHandlers();
    this.#nodes.start(signal);
    this.#pods.start(signal);
    try {
      await this.#registerAll(signal);
      if (signal.aborted) return;
      const heartbeats = [...this.kubelets.values()].map((kubelet, i) => this.#heartbeatLoop(kubelet, i, signal));
      logger.info({ nodes: this.kubelets.size }, 'hollow nodes registered; heartbeating');
      await Promise.all(heartbeats);
    } finally {
      // Heartbeats and registrations have ended, pod workers stop (a sync in flight just ends):
      // nothing re-creates what is deleted now.
      for (const kubelet of this.kubelets.values()) void kubelet.stop();
      await this.#deregisterAll();
    }
  }

  /**
   * Hollow nodes exist only while this process runs, so a stopped one must not linger as a Node
   * that looks Ready for another grace period and draws pods (`skiff down; skiff up`). Their pods
   * go first, at once (their containers died with the runtime; nobody else would ever confirm
   * them), so their controllers replace them; then each Node and its Lease. Bounded by
   * DEREGISTER_TIMEOUT_MS, well inside the 10 s a launcher gives before SIGKILL.
   */
  async #deregisterAll(): Promise<void> {
    const { logger } = this.#opts;
    this.#deregistering = true;
    const kubelets = [...this.kubelets.values()].filter((kubelet) => this.#registered.has(kubelet.name));
    let done = 0;
    const podsOf = await this.#listBoundPods();
    const work = Promise.all(
      kubelets.map((kubelet) =>
        this.#limiter.run(async () => {
          try {
            for (const pod of podsOf(kubelet.name)) await kubelet.confirmDeletion(pod);
            await kubelet.node.deregister();
            this.#registered.delete(kubelet.name);
            done++;
          } catch (err) {
            logger.warn({ err, node: kubelet.name }, 'node deregistration failed; it will go Unknown');
          }
        }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DEREGISTER_TIMEOUT_MS);
    });
    await Promise.race([work, timeout]);
    clearTimeout(timer);
    logger.info({ deregistered: done, nodes: kubelets.length }, 'hollow nodes deregistered');
  }

  /**
   * The pods bound to each node, read from the API rather than the informer: a pod bound a moment
   * before SIGTERM may not have reached the cache yet, and would outlive its node. One list for all
   * nodes; the cache serves when the apiserver cannot be asked.
   */
  async #listBoundPods(): Promise<(node: string) => Pod[]> {
    try {
      const list = await this.#opts.client.list<Pod>(podsResource, undefined, {
        fieldSelector: 'spec.nodeName!=',
        signal: AbortSignal.timeout(DEREGISTER_TIMEOUT_MS / 2),
      });
      const byNode = new Map<string, Pod[]>();
      for (const pod of list.items) {
        const node = pod.spec!.nodeName!;
        if (!byNode.has(node)) byNode.set(node, []);
        byNode.get(node)!.push(pod);
      }
      return (node) => byNode.get(node) ?? [];
    } catch (err) {
      this.#opts.logger.warn({ err }, 'listing bound pods failed; deleting the cached ones');
      return (node) => this.#pods.byIndex(NODE_NAME_INDEX, node);
    }
  }

  #wireHandlers(): void {
    const kubeletOf = (pod: Pod) => this.kubelets.get(pod.spec?.nodeName ?? '');
    this.#pods.onAdd((pod) => kubeletOf(pod)?.podUpdated(pod));
    this.#pods.onUpdate((old, pod) => {
      if (old.metadata?.resourceVersion !== pod.metadata?.resourceVersion) kubeletOf(pod)?.podUpdated(pod);
    });
    this.#pods.onDelete((pod) => kubeletOf(pod)?.podDeleted(pod));
    // A pod CIDR arriving unblocks the node's pods; a deleted Node is registered again.
    this.#nodes.onUpdate((old, node) => {
      const kubelet = this.kubelets.get(node.metadata?.name ?? '');
      if (kubelet && old.spec?.podCIDR !== node.spec?.podCIDR) kubelet.podCidrChanged();
    });
    this.#nodes.onDelete((node) => {
      const kubelet = this.kubelets.get(node.metadata?.name ?? '');
      if (!kubelet || !this.#registered.has(kubelet.name) || this.#deregistering) return;
      this.#opts.logger.warn({ node: kubelet.name }, 'node object deleted; registering it again');
      this.#registered.delete(kubelet.name);
    });
  }

  get registeredNodes(): number {
    return this.#registered.size;
  }
  /** Pods bound to this process's nodes that their kubelets know. */
  get runningPods(): number {
    let n = 0;
    for (const kubelet of this.kubelets.values()) n += kubelet.podCount;
    return n;
  }

  async #registerAll(signal: AbortSignal): Promise<void> {
    const { logger } = this.#opts;
    const total = this.kubelets.size;
    let done = 0;
    const started = Date.now();
    await Promise.all(
      [...this.kubelets.values()].map((kubelet) =>
        this.#limiter.run(async () => {
          if (signal.aborted) return;
          await this.#register(kubelet, signal);
          done++;
          if (done % 100 === 0 || done === total) logger.info({ registered: done, total, seconds: (Date.now() - started) / 1000 }, 'registering hollow nodes');
        }),
      ),
    );
  }

  async #register(kubelet: Kubelet, signal: AbortSignal): Promise<void> {
    for (let backoff = 500; !signal.aborted; backoff = Math.min(backoff * 2, 10_000)) {
      try {
        await kubelet.node.register();
        this.#registered.add(kubelet.name);
        await kubelet.node.renewLease();
        return;
      } catch (err) {
        this.#opts.logger.warn({ err, node: kubelet.name }, 'node registration failed; retrying');
        await sleep(backoff, signal);
      }
    }
  }

  async #heartbeatLoop(kubelet: Kubelet, index: number, signal: AbortSignal): Promise<void> {
    const interval = this.#opts.heartbeatIntervalMs ?? 10_000;
    // Spread the nodes over the interval so 1,000 nodes do not renew in one burst.
    await sleep((index * interval) / Math.max(1, this.kubelets.size), signal);
    while (!signal.aborted) {
      await this.#limiter.run(async () => {
        if (signal.aborted) return;
        try {
          if (!this.#registered.has(kubelet.name)) await this.#register(kubelet, signal);
          await kubelet.node.renewLease();
          await kubelet.node.syncNodeStatus();
          this.stats.heartbeats++;
        } catch (err) {
          this.stats.heartbeatFailures++;
          this.#opts.logger.warn({ err, node: kubelet.name }, 'heartbeat failed');
        }
      });
      await sleep(interval, signal);
    }
  }
}
