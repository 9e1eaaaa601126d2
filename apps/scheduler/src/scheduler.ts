import type { Node, Pod, PodDisruptionBudget } from '@skiff/api';
import { isConflict, isNotFound } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { hasUnschedulableCondition, type Binder } from './binder.ts';
import { SchedulerCache } from './cache.ts';
import { formatFitError } from './fit-error.ts';
import { ANN_SELECTED_NODE, resolvePodVolumes, type PodVolumes, type VolumeLister } from './filters/volume-binding.ts';
import type { SchedulerMetrics } from './metrics.ts';
import type { EventSink } from './event-sink.ts';
import { NodeFinder, type FindResult } from './node-finder.ts';
import { Nominator } from './nominator.ts';
import { newPodInfo, podKey, type PodInfo } from './pod-info.ts';
import { evaluatePreemption } from './preemption/evaluate.ts';
import { preemptVictims } from './preemption/execute.ts';
import { SchedulingQueue, type SchedulingQueueOptions } from './scheduling-queue.ts';

export type { EventSink } from './event-sink.ts';
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export interface SchedulerOptions {
  binder: Binder;
  recorder?: EventSink;
  logger?: Logger;
  metrics?: SchedulerMetrics;
  /** Bindings in flight at once (default 16); the loop goes on with assumed pods meanwhile. */
  parallelism?: number;
  percentageOfNodesToScore?: number;
  queue?: SchedulingQueueOptions;
  random?: () => number;
  /** Claims, volumes and classes; without it pods' volumes are not looked at. */
  volumes?: VolumeLister;
  /** PodDisruptionBudgets preemption tries not to break (the informer's list). */
  pdbs?: () => readonly PodDisruptionBudget[];
}

/** Pods this scheduler places: ours by name, not yet bound, not going away. */
export function isSchedulable(pod: Pod): boolean {
  const name = pod.spec?.schedulerName;
  if (name && name !== DEFAULT_SCHEDULER_NAME) return false;
  if (pod.spec?.nodeName || pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** Changes that can make an unschedulable pod fit somewhere. */
export function nodeSchedulingChanged(old: Node, node: Node): boolean {
  if (old === node) return false;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return (
    !same(old.status?.allocatable, node.status?.allocatable) ||
    !same(old.metadata?.labels, node.metadata?.labels) ||
    !same(old.spec?.taints, node.spec?.taints) ||
    old.spec?.unschedulable !== node.spec?.unschedulable ||
    ready(old) !== ready(node)
  );
}

/**
 * The scheduling loop: informer handlers feed the cache and the queue; scheduleOne pops a
 * pod, finds a node, assumes the pod there and starts the binding without waiting for it
 * (at most `parallelism` in flight), so the next pod is placed against the assumed
 * resources right away.
 */
export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly nominator = new Nominator();
  readonly queue: SchedulingQueue;
  readonly #finder: NodeFinder;
  readonly #opts: SchedulerOptions;
  /** Unbound pods we are responsible for, by key: the queue holds only keys. */
  readonly #pending = new Map<string, Pod>();
  readonly #bindings = new Set<Promise<void>>();
  readonly #parallelism: number;

  constructor(opts: SchedulerOptions) {
    this.#opts = opts;
    this.queue = new SchedulingQueue(opts.queue);
    this.#finder = new NodeFinder({ percentageOfNodesToScore: opts.percentageOfNodesToScore, random: opts.random, nominator: this.nominator });
    this.#parallelism = Math.max(1, opts.parallelism ?? 16);
  }

  // --- informer handlers: they only update the cache and the queue, never throw ---

  onPodAdd(pod: Pod): void {
    if (pod.spec?.nodeName) return this.#onBoundPod(pod);
    if (!isSchedulable(pod)) return;
    const key = podKey(pod);
    this.#pending.set(key, pod);
    this.#syncNomination(undefined, pod);
    this.queue.add(key, pod.spec?.priority ?? 0);
  }

  onPodUpdate(old: Pod, pod: Pod): void {
    if (pod.spec?.nodeName) return this.#onBoundPod(pod);
    const key = podKey(pod);
    if (!isSchedulable(pod)) {
      this.#pending.delete(key);
      this.nominator.delete(key);
      this.queue.delete(key);
      return;
    }
    this.#pending.set(key, pod);
    this.#syncNomination(old, pod);
    // Our own status patches (and resyncs) must not wake an unschedulable pod.
    const priority = pod.spec?.priority ?? 0;
    if (old === pod || JSON.stringify(old.spec) === JSON.stringify(pod.spec)) this.queue.add(key, priority);
    else this.queue.update(key, priority);
  }

  onPodDelete(pod: Pod): void {
    const key = podKey(pod);
    this.#pending.delete(key);
    this.nominator.delete(key);
    this.queue.delete(key);
    if (pod.spec?.nodeName || this.cache.isAssumed(key)) {
      this.cache.removePod(key);
      // Freed resources and ports may let a parked pod fit.
      this.queue.moveAllToActiveOrBackoff();
    }
  }

  onNodeAdd(node: Node): void {
    this.cache.setNode(node);
    this.queue.moveAllToActiveOrBackoff();
  }

  onNodeUpdate(old: Node, node: Node): void {
    this.cache.setNode(node);
    if (nodeSchedulingChanged(old, node)) this.queue.moveAllToActiveOrBackoff();
  }

  onNodeDelete(node: Node): void {
    this.cache.removeNode(node.metadata?.name ?? '');
  }

  #onBoundPod(pod: Pod): void {
    const key = podKey(pod);
    this.#pending.delete(key);
    this.nominator.delete(key);
    this.queue.delete(key);
    this.cache.setPod(pod);
  }

  /**
   * status.nominatedNodeName from the watch. An update without it keeps a nomination made in
   * memory whose status patch has not come back yet; only a pod that had one and lost it
   * (cleared by a scheduler) gives it up, as upstream's nominator does.
   */
  #syncNomination(old: Pod | undefined, pod: Pod): void {
    const nodeName = pod.status?.nominatedNodeName;
    if (nodeName) this.nominator.set(newPodInfo(pod), nodeName);
    else if (old?.status?.nominatedNodeName) this.nominator.delete(podKey(pod));
  }

  // --- the loop ---

  /** Schedules pods until the signal aborts, then waits for bindings in flight. */
  async run(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) this.queue.close();
    try {
      while (await this.scheduleOne()) {
        /* next pod */
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      await this.waitForBindings();
    }
  }

  /** One attempt for the next queued pod; false once the queue is closed. */
  async scheduleOne(): Promise<boolean> {
    const item = await this.queue.pop();
    if (!item) return false;
    const { key, cycle } = item;
    const pod = this.#pending.get(key);
    if (!pod || !isSchedulable(pod) || this.cache.isAssumed(key)) {
      this.queue.done(key);
      return true;
    }
    const started = performance.now();
    const info = newPodInfo(pod);
    if (this.#opts.volumes) info.volumes = resolvePodVolumes(pod, this.#opts.volumes);
    const nominatedName = this.nominator.nodeOf(key) ?? pod.status?.nominatedNodeName;
    const nominatedNode = nominatedName ? this.cache.getNode(nominatedName) : undefined;
    const result = this.#finder.find(info, this.cache.nodes, nominatedNode);
    if (!result.node) {
      try {
        await this.#failed(pod, info, result, nominatedName, started);
      } catch (err) {
        this.#opts.logger?.error({ err, pod: key }, 'handling an unschedulable pod failed');
      } finally {
        this.queue.addUnschedulable(key, cycle);
        this.queue.done(key);
      }
      return true;
    }
    const nodeName = result.node.name;
    this.nominator.delete(key);
    this.cache.assumePod(info, nodeName);
    while (this.#bindings.size >= this.#parallelism) await Promise.race(this.#bindings);
    const binding = this.#bind(pod, key, nodeName, started, info.volumes).finally(() => this.#bindings.delete(binding));
    this.#bindings.add(binding);
    return true;
  }

  async waitForBindings(): Promise<void> {
    while (this.#bindings.size > 0) await Promise.all(this.#bindings);
  }

  pendingCount(): number {
    return this.#pending.size;
  }

  updatePendingGauge(): void {
    const gauge = this.#opts.metrics?.pendingPods;
    if (!gauge) return;
    const { active, backoff, unschedulable } = this.queue.lengths();
    gauge.set({ queue: 'active' }, active);
    gauge.set({ queue: 'backoff' }, backoff);
    gauge.set({ queue: 'unschedulable' }, unschedulable);
  }

  async #bind(pod: Pod, key: string, nodeName: string, started: number, volumes: PodVolumes | undefined): Promise<void> {
    const { binder, recorder, logger } = this.#opts;
    try {
      await this.#selectNodeForClaims(volumes, nodeName);
      await binder.bind(pod, nodeName);
      this.queue.forget(key);
      this.#observe('scheduled', started);
      const { namespace, name } = pod.metadata ?? {};
      recorder?.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
    } catch (err) {
      this.cache.forgetPod(key);
      this.#observe('error', started);
      // Already bound or gone: the watch will tell us; retrying cannot help.
      if (isConflict(err) || isNotFound(err)) {
        logger?.debug({ err, pod: key, node: nodeName }, 'binding rejected; waiting for the watch');
      } else {
        logger?.warn({ err, pod: key, node: nodeName }, 'binding failed; retrying after backoff');
        this.queue.addBackoff(key);
        recorder?.event(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${(err as Error).message}`);
      }
    } finally {
      this.queue.done(key);
    }
  }

  /**
   * PreBind: claims waiting for their first consumer learn the chosen node, and the pod is
   * bound at once. Upstream waits for the claims to be Bound first; Skiff does not hold a
   * binding slot for that: the kubelet retries the pod's volumes until the claim is bound
   * (the provisioner or the controller binds it for exactly this node).
   */
  async #selectNodeForClaims(volumes: PodVolumes | undefined, nodeName: string): Promise<void> {
    for (const { claim } of volumes?.waiting ?? []) {
      if (claim.metadata?.annotations?.[ANN_SELECTED_NODE] === nodeName) continue;
      await this.#opts.binder.selectNode?.(claim, nodeName);
    }
  }

  /**
   * The pod fits nowhere: upstream's PostFilter (preemption), then FailedScheduling with the
   * filters' reasons and, when preemption did not help, its own ("preemption: ..."). A pod that
   * preempted is nominated to the node, in memory at once and in status.nominatedNodeName.
   */
  async #failed(pod: Pod, info: PodInfo, result: FindResult, nominatedName: string | undefined, started: number): Promise<void> {
    let message = formatFitError(result.numAllNodes, result.reasons);
    if (result.numAllNodes === 0) return this.#reportUnschedulable(pod, message, started);
    this.#opts.metrics?.preemptionAttempts.inc();
    const outcome = evaluatePreemption({
      pod: info,
      nodes: this.cache.nodes,
      rejections: result.rejections,
      nominatedNode: nominatedName ? this.cache.getNode(nominatedName) : undefined,
      pdbs: this.#opts.pdbs?.() ?? [],
      filter: (p, node) => this.#finder.filter(p, node),
      random: this.#opts.random,
    });
    if (!('candidate' in outcome)) {
      message = `${message} ${outcome.message}`;
      const clear = outcome.clearNomination && nominatedName !== undefined;
      if (clear) this.nominator.delete(info.key);
      return this.#reportUnschedulable(pod, message, started, clear ? '' : undefined);
    }
    const { node } = outcome.candidate;
    const { recorder, logger } = this.#opts;
    this.#opts.metrics?.preemptionVictims.observe(outcome.candidate.pods.length);
    try {
      await preemptVictims(this.#opts.binder, recorder, pod, pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME, outcome.candidate);
    } catch (err) {
      logger?.warn({ err, pod: info.key, node: node.name }, 'preemption failed');
      return this.#reportUnschedulable(pod, `${message} preemption: ${(err as Error).message}`, started);
    }
    logger?.info({ pod: info.key, node: node.name, victims: outcome.candidate.pods.map((v) => v.key) }, 'preempted');
    this.#clearLowerNominations(info, node.name);
    this.nominator.set(info, node.name);
    this.#reportUnschedulable(pod, message, started, node.name);
  }

  /** Pods of lower priority nominated to the node may not fit there any more: they look again. */
  #clearLowerNominations(preemptor: PodInfo, nodeName: string): void {
    for (const other of [...(this.nominator.podsOn(nodeName)?.values() ?? [])]) {
      if (other.priority >= preemptor.priority) continue;
      this.nominator.delete(other.key);
      this.#opts.binder.clearNominatedNode?.(other.pod).catch((err: unknown) => {
        if (!isNotFound(err)) this.#opts.logger?.warn({ err, pod: other.key }, 'cannot clear nominatedNodeName');
      });
      this.queue.update(other.key, other.priority);
    }
  }

  #reportUnschedulable(pod: Pod, message: string, started: number, nominatedNodeName?: string): void {
    const { binder, recorder, logger } = this.#opts;
    const key = podKey(pod);
    this.#observe('unschedulable', started);
    logger?.debug({ pod: key, message }, 'pod is unschedulable');
    recorder?.event(pod, 'Warning', 'FailedScheduling', message);
    if (hasUnschedulableCondition(pod, message, nominatedNodeName)) return;
    binder.markUnschedulable(pod, message, nominatedNodeName).catch((err: unknown) => {
      if (!isNotFound(err)) logger?.warn({ err, pod: key }, 'cannot record PodScheduled=False');
    });
  }

  #observe(result: 'scheduled' | 'unschedulable' | 'error', started: number): void {
    const metrics = this.#opts.metrics;
    if (!metrics) return;
    metrics.attempts.inc({ result });
    metrics.e2eDuration.observe({ result }, (performance.now() - started) / 1000);
  }
}
