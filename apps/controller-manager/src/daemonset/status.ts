/**
 * The DaemonSet's status (upstream's updateDaemonSetStatus): counted over the nodes, from
 * the oldest daemon pod of each node that should run one. `kubectl rollout status ds`
 * waits for updatedNumberScheduled and numberAvailable to reach desiredNumberScheduled.
 */
import type { DaemonSet, DaemonSetStatus, Node, Pod } from '@skiff/api';
import { CONTROLLER_REVISION_HASH_LABEL } from '../common/controller-history.ts';
import { isPodAvailable, isPodReady } from '../common/pod-readiness.ts';
import { nodeShouldRunDaemonPod } from './node-eligibility.ts';

/** Oldest first; among equals a running pod before a pending one (podByCreationTimestampAndPhase). */
function compareOldestRunningFirst(a: Pod, b: Pod): number {
  const diff = Date.parse(a.metadata?.creationTimestamp ?? '') - Date.parse(b.metadata?.creationTimestamp ?? '');
  if (diff !== 0 && !Number.isNaN(diff)) return diff;
  const running = (p: Pod) => (p.status?.phase === 'Running' ? 0 : 1);
  return running(a) - running(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

export function computeDaemonSetStatus(
  ds: DaemonSet,
  nodes: readonly Node[],
  nodeToPods: ReadonlyMap<string, Pod[]>,
  hash: string,
  now: Date,
): DaemonSetStatus {
  const status: DaemonSetStatus = {
    currentNumberScheduled: 0,
    desiredNumberScheduled: 0,
    numberMisscheduled: 0,
    numberReady: 0,
    numberAvailable: 0,
    numberUnavailable: 0,
    updatedNumberScheduled: 0,
    observedGeneration: ds.metadata?.generation,
  };
  for (const node of nodes) {
    const pods = nodeToPods.get(node.metadata?.name ?? '') ?? [];
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    if (!shouldRun) {
      if (pods.length > 0) status.numberMisscheduled++;
      continue;
    }
    status.desiredNumberScheduled++;
    if (pods.length === 0) continue;
    status.currentNumberScheduled++;
    const pod = [...pods].sort(compareOldestRunningFirst)[0];
    if (isPodReady(pod)) {
      status.numberReady++;
      if (isPodAvailable(pod, ds.spec?.minReadySeconds ?? 0, now)) status.numberAvailable!++;
    }
    if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) status.updatedNumberScheduled!++;
  }
  status.numberUnavailable = status.desiredNumberScheduled - status.numberAvailable!;
  if (ds.status?.collisionCount !== undefined) status.collisionCount = ds.status.collisionCount;
  if (ds.status?.conditions) status.conditions = ds.status.conditions;
  return status;
}
