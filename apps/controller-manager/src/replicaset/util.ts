import type { Pod, PodTemplateSpec, ReplicaSet, ReplicaSetStatus, ResourceInfo, Selector } from '@skiff/api';
import type { GroupVersionKind } from '../common/controller-ref.ts';
import { isPodActive, isPodAvailable, isPodReady, podReadySince } from '../common/pod-readiness.ts';

/**
 * What differs between a ReplicaSet and a ReplicationController: the resource, and how
 * the selector is spelled (a LabelSelector vs a plain map). Everything else (spec.replicas,
 * spec.template, spec.minReadySeconds, the status fields) has the same shape, so the
 * controller handles both as ReplicaSets, as kube's ReplicaManager does.
 */
export interface ReplicaKind {
  /** Controller name, for logs and the queue: 'replicaset' / 'replicationcontroller'. */
  name: string;
  resource: ResourceInfo;
  gvk: GroupVersionKind;
  /** Throws on an invalid selector. */
  selectorOf(rs: ReplicaSet): Selector;
}

type ReplicaSetCondition = NonNullable<ReplicaSetStatus['conditions']>[number];

export const podDeletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';
/** Kube's burstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;

export function replicasOf(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

export function templateOf(rs: ReplicaSet): PodTemplateSpec | undefined {
  return rs.spec?.template;
}

/**
 * kube's slowStartBatch: runs `fn` `count` times in batches of 1, 2, 4, ... (each batch
 * in parallel), stopping after the first batch with a failure. A quota or admission error
 * thus costs one failed call, not hundreds. Answers the successes and the first error.
 */
export async function slowStartBatch(count: number, initialBatchSize: number, fn: () => Promise<void>): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    if (failure) return { successes, error: failure.reason };
    remaining -= batch;
  }
  return { successes };
}

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function timeOf(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function deletionCost(pod: Pod): number {
  const value = Number(pod.metadata?.annotations?.[podDeletionCostAnnotation] ?? 0);
  return Number.isInteger(value) ? value : 0;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

/**
 * kube's LogarithmicScaleDown: timestamps are compared by the log2 of their age in
 * nanoseconds, so pods created within the same power-of-two window count as equally
 * new and scale-down does not always pick the very newest (which skews toward one node).
 * Example: ages 3 s and 3.5 s fall in the same bucket (2^31..2^32 ns) → tie.
 */
function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const bucket = (t: number) => (now - t > 0 ? Math.floor(Math.log2((now - t) * 1e6)) : -1);
  return bucket(t1) - bucket(t2);
}

/** afterOrZero: a missing time sorts first, then the later one. */
function compareAfterOrZero(t1: number | undefined, t2: number | undefined): number {
  if (t1 === undefined || t2 === undefined) return t1 === undefined ? (t2 === undefined ? 0 : -1) : 1;
  return t1 > t2 ? -1 : t1 < t2 ? 1 : 0;
}

function compareTimes(a: Pod, b: Pod, ta: number | undefined, tb: number | undefined, now: number): number {
  if (ta === tb) return 0;
  if (ta === undefined || tb === undefined) return compareAfterOrZero(ta, tb);
  const diff = logarithmicRankDiff(ta, tb, now);
  if (diff !== 0) return diff;
  const ua = a.metadata?.uid ?? '';
  const ub = b.metadata?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

export interface RankedPod {
  pod: Pod;
  /** Related pods (of this RS and its siblings) on the same node: doubled-up pods go first. */
  rank: number;
}

/**
 * kube's ActivePodsWithRanks order: negative when `a` should be deleted before `b`.
 * unscheduled < scheduled; Pending < Unknown < Running; not ready < ready; lower
 * pod-deletion-cost first; more related pods on the node first; ready more recently
 * first; more restarts first; created more recently first.
 */
export function comparePodsForDeletion(a: RankedPod, b: RankedPod, now: number): number {
  const [pa, pb] = [a.pod, b.pod];
  const na = pa.spec?.nodeName ?? '';
  const nb = pb.spec?.nodeName ?? '';
  if (na !== nb && (!na || !nb)) return !na ? -1 : 1;
  const oa = phaseOrdinal[pa.status?.phase ?? ''] ?? 0;
  const ob = phaseOrdinal[pb.status?.phase ?? ''] ?? 0;
  if (oa !== ob) return oa - ob;
  const ra = isPodReady(pa);
  const rb = isPodReady(pb);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(pa);
  const cb = deletionCost(pb);
  if (ca !== cb) return ca - cb;
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (ra && rb) {
    const byReady = compareTimes(pa, pb, podReadySince(pa)?.getTime(), podReadySince(pb)?.getTime(), now);
    if (byReady !== 0) return byReady;
  }
  const restarts = maxRestarts(pb) - maxRestarts(pa);
  if (restarts !== 0) return restarts;
  return compareTimes(pa, pb, timeOf(pa.metadata?.creationTimestamp), timeOf(pb.metadata?.creationTimestamp), now);
}

/**
 * The `count` pods to delete first. `relatedPods` are every pod of this ReplicaSet and of
 * the ReplicaSets sharing its controller (a Deployment's old and new sets): a pod on a
 * node crowded with its siblings goes before one alone on its node.
 */
export function getPodsToDelete(pods: readonly Pod[], relatedPods: readonly Pod[], count: number, now: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const podsOnNode = new Map<string, number>();
  for (const pod of relatedPods) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec?.nodeName ?? '';
    podsOnNode.set(node, (podsOnNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: podsOnNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((a, b) => comparePodsForDeletion(a, b, now));
  return ranked.slice(0, count).map((r) => r.pod);
}

/**
 * The status a sync leaves behind (kube's calculateStatus): counts over the active pods
 * the RS controls, and a ReplicaFailure condition while creating or deleting fails.
 * `manageError` with `diff` tells which: diff < 0 means we were creating.
 */
export function computeReplicaSetStatus(rs: ReplicaSet, pods: readonly Pod[], manageError: unknown, diff: number, now: Date): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, rs.spec?.minReadySeconds ?? 0, now)) available++;
    }
  }
  const old = rs.status ?? { replicas: 0 };
  let conditions: ReplicaSetCondition[] = [...(old.conditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageError !== undefined && !failure) {
    conditions.push({
      type: 'ReplicaFailure',
      status: 'True',
      reason: diff < 0 ? 'FailedCreate' : 'FailedDelete',
      message: manageError instanceof Error ? manageError.message : String(manageError),
      lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  } else if (manageError === undefined && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? old.observedGeneration,
  };
  if (conditions.length > 0) (status as { conditions?: ReplicaSetCondition[] }).conditions = conditions;
  return status;
}

/** True when writing `next` would change nothing (zero counts equal absent ones). */
export function statusEquals(current: ReplicaSetStatus | undefined, next: ReplicaSetStatus): boolean {
  const c = current ?? { replicas: 0 };
  return (
    (c.replicas ?? 0) === next.replicas &&
    (c.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (c.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (c.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (c.observedGeneration ?? 0) >= (next.observedGeneration ?? 0) &&
    JSON.stringify(c.conditions ?? []) === JSON.stringify(next.conditions ?? [])
  );
}

/**
 * Milliseconds until the next ready pod turns available (ready for minReadySeconds), so
 * the status can be refreshed then without any pod event; undefined when none is waiting.
 */
export function nextAvailableCheckMs(pods: readonly Pod[], minReadySeconds: number, now: Date): number | undefined {
  if (!minReadySeconds) return undefined;
  let next: number | undefined;
  for (const pod of pods) {
    if (!isPodReady(pod) || isPodAvailable(pod, minReadySeconds, now)) continue;
    const since = podReadySince(pod)?.getTime() ?? now.getTime();
    // Strictly after readySince + minReady: wait one tick past it.
    const wait = Math.max(since + minReadySeconds * 1000 - now.getTime() + 1, 1);
    next = next === undefined ? wait : Math.min(next, wait);
  }
  return next;
}
