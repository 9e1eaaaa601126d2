/**
 * One pass over one node, reading only informer caches: a silent kubelet turns the node's
 * conditions Unknown; the Ready condition decides the not-ready/unreachable taints; NoExecute
 * taints evict the pods that stop tolerating them; pods stuck terminating on an unreachable
 * node are force-deleted. One step per pass: a write returns and the watch event brings the
 * node back to the queue.
 */
import { findResource, type Lease, type Node, type Pod, type PodCondition } from '@skiff/api';
import { NODE_NAME_INDEX, isNotFound, isConflict, type EventRecorder, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import {
  desiredTaintKeys,
  firstObservation,
  heartbeatSignature,
  lastHeartbeatStamp,
  markConditionsUnknown,
  msUntilStale,
  observeHeartbeat,
  readyConditionOf,
  reconcileTaints,
  type HealthTimings,
  type HeartbeatObservation,
} from './node-health.ts';
import { decideEviction, shouldForceDelete } from './taint-eviction.ts';

export const nodesResource = findResource('', 'v1', 'nodes')!;
export const podsResource = findResource('', 'v1', 'pods')!;
export const leasesResource = findResource('coordination.k8s.io', 'v1', 'leases')!;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLifecycleDeps {
  client: Pick<RestClient, 'patch' | 'delete'>;
  nodes: { get(namespace: string | undefined, name: string): Node | undefined };
  leases: { get(namespace: string | undefined, name: string): Lease | undefined };
  pods: { byIndex(index: string, value: string): Pod[] };
  recorder: Pick<EventRecorder, 'event'>;
  logger: Logger;
  timings: HealthTimings;
  now: () => Date;
}

/** Nothing to wait for still gets a look now and then (a missed event must not strand a node). */
const MAX_REQUEUE_MS = 30_000;

function nodeRef(name: string) {
  // Kubernetes refers to nodes in events with uid = name.
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } };
}

function podRef(pod: Pod) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata ?? {} };
}

function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

export class NodeLifecycleSyncer {
  readonly #deps: NodeLifecycleDeps;
  readonly #heartbeats = new Map<string, HeartbeatObservation>();

  constructor(deps: NodeLifecycleDeps) {
    this.#deps = deps;
  }

  async sync(name: string): Promise<SyncResult> {
    const { nodes, leases, timings } = this.#deps;
    const node = nodes.get(undefined, name);
    if (!node) {
      this.#heartbeats.delete(name);
      return;
    }
    const now = this.#deps.now();
    const lease = leases.get(NODE_LEASE_NAMESPACE, name);
    const prev = this.#heartbeats.get(name);
    const signature = heartbeatSignature(node, lease?.spec?.renewTime);
    const obs = prev
      ? observeHeartbeat(prev, signature, now.getTime())
      : firstObservation(signature, lastHeartbeatStamp(node, lease?.spec, timings), now.getTime(), timings);
    this.#heartbeats.set(name, obs);
    const untilStale = msUntilStale(node, obs, now.getTime(), timings);

    if (untilStale <= 0 && (await this.markNodeUnknown(node, now))) return;
    if (await this.updateTaints(node, now)) return;
    const podWaitMs = await this.processPods(node, now);
    const waits = [podWaitMs, untilStale > 0 ? untilStale + 50 : Number.POSITIVE_INFINITY, MAX_REQUEUE_MS];
    return { requeueAfter: Math.max(50, Math.min(...waits)) };
  }

  /** Step 1: a silent kubelet's conditions go Unknown. Returns whether it wrote. */
  async markNodeUnknown(node: Node, now: Date): Promise<boolean> {
    const name = node.metadata!.name!;
    const conditions = markConditionsUnknown(node, now);
    if (!conditions) return false;
    const wasReady = readyConditionOf(node)?.status === 'True';
    await this.#deps.client.patch(nodesResource, undefined, name, 'merge', { status: { conditions } }, { subresource: 'status' });
    this.#deps.logger.info({ node: name }, 'node stopped posting status: conditions Unknown');
    if (wasReady) this.#deps.recorder.event(nodeRef(name), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    return true;
  }

  /** Step 2: not-ready / unreachable taints follow the Ready condition. Returns whether it wrote. */
  async updateTaints(node: Node, now: Date): Promise<boolean> {
    const name = node.metadata!.name!;
    const taints = reconcileTaints(node.spec?.taints ?? [], desiredTaintKeys(readyConditionOf(node)), now);
    if (!taints) return false;
    // Merge patch replaces the list; resourceVersion makes a concurrent `kubectl taint` a conflict, not a loss.
    await this.#deps.client.patch(nodesResource, undefined, name, 'merge', {
      metadata: { resourceVersion: node.metadata?.resourceVersion },
      spec: { taints: taints.length > 0 ? taints : null },
    });
    this.#deps.logger.info({ node: name, taints: taints.map((t) => `${t.key}:${t.effect}`) }, 'node taints updated');
    return true;
  }

  /** Step 3: pods on the node — not ready, evicted, force-deleted. Returns ms until the next deadline. */
  async processPods(node: Node, now: Date): Promise<number> {
    const name = node.metadata!.name!;
    const readyStatus = readyConditionOf(node)?.status;
    const unreachable = readyStatus === 'Unknown';
    const taints = node.spec?.taints ?? [];
    let nextMs = Number.POSITIVE_INFINITY;
    for (const pod of this.#deps.pods.byIndex(NODE_NAME_INDEX, name)) {
      if (pod.spec?.nodeName !== name) continue;
      try {
        if (pod.metadata?.deletionTimestamp) {
          if (shouldForceDelete(pod, unreachable, now)) await this.forceDelete(pod);
          else if (unreachable) nextMs = Math.min(nextMs, Date.parse(pod.metadata.deletionTimestamp) - now.getTime());
          continue;
        }
        if (readyStatus !== undefined && readyStatus !== 'True') await this.markPodNotReady(pod, now);
        const decision = decideEviction(pod, taints, now);
        if (decision.action === 'wait') nextMs = Math.min(nextMs, decision.ms);
        else if (decision.action === 'evict') await this.evict(pod, decision.reason);
      } catch (err) {
        if (isNotFound(err) || isConflict(err)) continue; // gone or changed: its event brings the node back
        throw new Error(`node ${name}: pod ${podKey(pod)}`, { cause: err });
      }
    }
    return nextMs;
  }

  /** As kube's MarkPodsNotReady: endpoints stop sending traffic to a node that went silent. */
  async markPodNotReady(pod: Pod, now: Date): Promise<void> {
    const conditions = pod.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    if (!ready || ready.status === 'False') return;
    const nowText = now.toISOString().replace(/\.\d+Z$/, 'Z');
    const next: PodCondition[] = conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: nowText } : c));
    await this.#deps.client.patch(
      podsResource,
      pod.metadata!.namespace,
      pod.metadata!.name!,
      'merge',
      {
        metadata: { resourceVersion: pod.metadata?.resourceVersion },
        status: { conditions: next },
      },
      { subresource: 'status' },
    );
  }

  async evict(pod: Pod, reason: string): Promise<void> {
    const key = podKey(pod);
    this.#deps.recorder.event(podRef(pod), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    await this.#deps.client.delete(podsResource, pod.metadata!.namespace, pod.metadata!.name!, { preconditions: { uid: pod.metadata?.uid } });
    this.#deps.logger.info({ pod: key, node: pod.spec?.nodeName, reason }, 'evicted pod from tainted node');
  }

  async forceDelete(pod: Pod): Promise<void> {
    await this.#deps.client.delete(podsResource, pod.metadata!.namespace, pod.metadata!.name!, {
      gracePeriodSeconds: 0,
      preconditions: { uid: pod.metadata?.uid },
    });
    this.#deps.logger.info({ pod: podKey(pod), node: pod.spec?.nodeName }, 'force-deleted pod on unreachable node');
  }
}
