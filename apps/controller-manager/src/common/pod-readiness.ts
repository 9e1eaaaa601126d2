import type { Pod, PodCondition } from '@skiff/api';

function readyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** The pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** When the pod became ready (its Ready condition's lastTransitionTime), if it is ready. */
export function podReadySince(pod: Pod): Date | undefined {
  const condition = readyCondition(pod);
  if (condition?.status !== 'True' || !condition.lastTransitionTime) return undefined;
  const at = new Date(condition.lastTransitionTime);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * Ready for at least minReadySeconds (kube: strictly longer: readySince + minReady < now).
 * With minReadySeconds 0 a ready pod is available at once, even without a transition time.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const since = podReadySince(pod);
  return since !== undefined && since.getTime() + minReadySeconds * 1000 < now.getTime();
}

/** Counts toward a controller's replicas: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}
