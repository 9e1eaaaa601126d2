/**
 * Many hollow nodes in one process, kubemark style. Thousands of nodes must not mean
 * thousands of watches: the process keeps ONE pod informer (pods bound to any node) and ONE
 * node informer, and dispatches by spec.nodeName / node name to its NodeAgents. Pod work
 * goes through one shared queue; heartbeats (lease every 10 s, node status check every
 * 10 s) run on per-node timers with a cap on API calls in flight.
 */
import { findResource, type Node, type Pod } from '@skiff/api';
import { Informer, NODE_NAME_INDEX, WorkQueue, runWorkers, sleep, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { FakeRuntime, FAKE_RUNTIME_VERSION } from './fake-runtime.ts';
import { NodeAgent } from './node-agent.ts';
import { hollowNodeIp } from './node-status.ts';

const nodesResource = findResource('', 'v1', 'nodes')!;
const podsResource = findResource('', 'v1', 'pods')!;
/** How long a clean stop may spend deleting this process's pods, Nodes and Leases. */
const DEREGISTER_TIMEOUT_MS = 5_000;

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
  podWorkers?: number;
}

/** A counting semaphore: bounded concurrency for bursts of heartbeats and registrations. */
class Limiter {
  #free: number;
  readonly #waiters: (() => void)[] = [];
  constructor(n: number) { this.#free = n; }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiters.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#waiters.shift();
      if (next) next(); else this.#free++;
    }
  }
}

export class HollowKubelet {
  readonly agents = new Map<string, NodeAgent>();
  readonly #opts: HollowKubeletOptions;
  readonly #pods: Informer<Pod>;
  readonly #nodes: Informer<Node>;
  readonly #queue = new WorkQueue<string>();
  readonly #limiter: Limiter;
  /** Registered nodes: only these heartbeat (a node re-registers when deleted). */
  readonly #registered = new Set<string>();
  readonly stats = { podSyncs: 0, podSyncErrors: 0, heartbeats: 0, heartbeatFailures: 0 };
  /** Pod key → the node that ran it, to clean the right runtime once the pod is gone. */
  readonly #podNodes = new Map<string, string>();
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
    for (let i = first; i < first + opts.hollowNodes; i++) {
      const name = `${opts.nodeNamePrefix}${i}`;
      this.agents.set(name, new NodeAgent({
        shape: { name, internalIp: hollowNodeIp(i), cpu: opts.cpu, memory: opts.memory, maxPods: opts.maxPods, labels: opts.labels, runtimeVersion, arch: process.arch === 'arm64' ? 'arm64' : 'amd64' },
        client, runtime: new FakeRuntime(), logger,
        getNode: () => this.#nodes.get(undefined, name),
      }));
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
      const heartbeats = [...this.agents.values()].map((agent, i) => this.#heartbeatLoop(agent, i, signal));
      logger.info({ nodes: this.agents.size }, 'hollow nodes registered; heartbeating');
      await Promise.all([
        runWorkers({ queue: this.#queue, sync: (key) => this.#syncPod(key), workers: this.#opts.podWorkers ?? 16, informers: [this.#pods, this.#nodes], signal, logger, name: 'hollow-pods' }),
        ...heartbeats,
      ]);
    } finally {
      // Heartbeats and registrations have ended: nothing re-creates what is deleted now.
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
    const agents = [...this.agents.values()].filter((agent) => this.#registered.has(agent.name));
    let done = 0;
    const podsOf = await this.#listBoundPods();
    const work = Promise.all(agents.map((agent) => this.#limiter.run(async () => {
      try {
        for (const pod of podsOf(agent.name)) await agent.confirmDeletion(pod);
        await agent.deregister();
        this.#registered.delete(agent.name);
        done++;
      } catch (err) {
        logger.warn({ err, node: agent.name }, 'node deregistration failed; it will go Unknown');
      }
    })));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, DEREGISTER_TIMEOUT_MS); });
    await Promise.race([work, timeout]);
    clearTimeout(timer);
    logger.info({ deregistered: done, nodes: agents.length }, 'hollow nodes deregistered');
  }

  /**
   * The pods bound to each node, read from the API rather than the informer: a pod bound a moment
   * before SIGTERM may not have reached the cache yet, and would outlive its node. One list for all
   * nodes; the cache serves when the apiserver cannot be asked.
   */
  async #listBoundPods(): Promise<(node: string) => Pod[]> {
    try {
      const list = await this.#opts.client.list<Pod>(podsResource, undefined, { fieldSelector: 'spec.nodeName!=', signal: AbortSignal.timeout(DEREGISTER_TIMEOUT_MS / 2) });
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
    const onPod = (pod: Pod) => {
      if (this.agents.has(pod.spec?.nodeName ?? '')) this.#queue.add(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
    };
    this.#pods.onAdd(onPod);
    this.#pods.onUpdate((old, pod) => { if (old.metadata?.resourceVersion !== pod.metadata?.resourceVersion) onPod(pod); });
    this.#pods.onDelete(onPod);
    // A pod CIDR arriving unblocks the node's pods; a deleted Node is registered again.
    this.#nodes.onUpdate((old, node) => {
      const name = node.metadata?.name ?? '';
      if (!this.agents.has(name) || old.spec?.podCIDR === node.spec?.podCIDR) return;
      for (const pod of this.#pods.byIndex(NODE_NAME_INDEX, name)) onPod(pod);
    });
    this.#nodes.onDelete((node) => {
      const agent = this.agents.get(node.metadata?.name ?? '');
      if (!agent || !this.#registered.has(agent.name) || this.#deregistering) return;
      this.#opts.logger.warn({ node: agent.name }, 'node object deleted; registering it again');
      this.#registered.delete(agent.name);
    });
  }

  get registeredNodes(): number { return this.#registered.size; }
  /** Pods this process runs (bound to one of its nodes and known to the runtime). */
  get runningPods(): number { return this.#podNodes.size; }

  async #registerAll(signal: AbortSignal): Promise<void> {
    const { logger } = this.#opts;
    const total = this.agents.size;
    let done = 0;
    const started = Date.now();
    await Promise.all([...this.agents.values()].map((agent) => this.#limiter.run(async () => {
      if (signal.aborted) return;
      await this.#register(agent, signal);
      done++;
      if (done % 100 === 0 || done === total) logger.info({ registered: done, total, seconds: (Date.now() - started) / 1000 }, 'registering hollow nodes');
    })));
  }

  async #register(agent: NodeAgent, signal: AbortSignal): Promise<void> {
    for (let backoff = 500; !signal.aborted; backoff = Math.min(backoff * 2, 10_000)) {
      try {
        await agent.register();
        this.#registered.add(agent.name);
        await agent.renewLease();
        return;
      } catch (err) {
        this.#opts.logger.warn({ err, node: agent.name }, 'node registration failed; retrying');
        await sleep(backoff, signal);
      }
    }
  }

  async #heartbeatLoop(agent: NodeAgent, index: number, signal: AbortSignal): Promise<void> {
    const interval = this.#opts.heartbeatIntervalMs ?? 10_000;
    // Spread the nodes over the interval so 1,000 nodes do not renew in one burst.
    await sleep((index * interval) / Math.max(1, this.agents.size), signal);
    while (!signal.aborted) {
      await this.#limiter.run(async () => {
        if (signal.aborted) return;
        try {
          if (!this.#registered.has(agent.name)) await this.#register(agent, signal);
          await agent.renewLease();
          await agent.syncNodeStatus();
          this.stats.heartbeats++;
        } catch (err) {
          this.stats.heartbeatFailures++;
          this.#opts.logger.warn({ err, node: agent.name }, 'heartbeat failed');
        }
      });
      await sleep(interval, signal);
    }
  }

  async #syncPod(key: string) {
    const pod = this.#pods.getByKey(key);
    const [namespace, name] = key.split('/') as [string, string];
    if (!pod) {
      const agent = this.agents.get(this.#podNodes.get(key) ?? '');
      this.#podNodes.delete(key);
      await agent?.cleanupPod(namespace, name);
      return;
    }
    const agent = this.agents.get(pod.spec?.nodeName ?? '');
    if (!agent) return;
    this.#podNodes.set(key, agent.name);
    this.stats.podSyncs++;
    try {
      return await agent.syncPod(pod);
    } catch (err) {
      this.stats.podSyncErrors++;
      throw err;
    }
  }
}
