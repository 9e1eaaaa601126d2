/**
 * Taint-based eviction, kube's NoExecuteTaintManager as a pure decision: a pod on a node with
 * NoExecute taints is evicted at once when it does not tolerate one of them, after the
 * smallest tolerationSeconds of the tolerations it relies on (counted from each taint's
 * timeAdded, so a restarted controller keeps the schedule), or never when those have none.
 */
import type { Pod, Taint, Toleration } from '@skiff/api';

export type EvictionDecision = { action: 'none' } | { action: 'evict'; reason: string } | { action: 'wait'; ms: number };

/** Kubernetes' Toleration.ToleratesTaint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const operator = t.operator ?? 'Equal';
  if (operator === 'Exists') return true;
  if (operator !== 'Equal') return false;
  // An empty key only makes sense with Exists.
  return Boolean(t.key) && (t.value ?? '') === (taint.value ?? '');
}

export function decideEviction(pod: Pod, taints: readonly Taint[], now: Date): EvictionDecision {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { action: 'none' };
  const tolerations = pod.spec?.tolerations ?? [];
  let deadlineMs = Number.POSITIVE_INFINITY;
  for (const taint of noExecute) {
    // As kube's GetMatchingTolerations: the first toleration that matches each taint counts.
    const used = tolerations.find((t) => toleratesTaint(t, taint));
    if (!used) return { action: 'evict', reason: `does not tolerate ${taint.key}:${taint.effect}` };
    if (used.tolerationSeconds === undefined || used.tolerationSeconds === null) continue;
    const seconds = Math.max(0, used.tolerationSeconds);
    const since = taint.timeAdded ? Date.parse(taint.timeAdded) : now.getTime();
    deadlineMs = Math.min(deadlineMs, (Number.isNaN(since) ? now.getTime() : since) + seconds * 1000);
  }
  if (!Number.isFinite(deadlineMs)) return { action: 'none' };
  const ms = deadlineMs - now.getTime();
  return ms <= 0 ? { action: 'evict', reason: 'toleration seconds expired' } : { action: 'wait', ms };
}

/**
 * A pod already being deleted on a node whose kubelet is gone will never be confirmed by
 * it: once its grace period has run out (deletionTimestamp is when it ends), force it.
 */
export function shouldForceDelete(pod: Pod, nodeUnreachable: boolean, now: Date): boolean {
  const ts = pod.metadata?.deletionTimestamp;
  if (!nodeUnreachable || !ts) return false;
  return Date.parse(ts) <= now.getTime();
}
