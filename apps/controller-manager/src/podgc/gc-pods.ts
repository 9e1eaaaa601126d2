/**
 * What the pod garbage collector deletes (kube's pkg/controller/podgc), as pure choices
 * over the caches, so the rules are tested on their own:
 * - terminated pods (Succeeded/Failed) beyond the threshold, oldest first;
 * - pods bound to a node that no longer exists, once the node has been missing for the
 *   quarantine (a node just created may not be in the cache yet) and a GET confirms it;
 * - terminating pods that were never scheduled: no kubelet will ever confirm their deletion.
 */
import type { Pod } from '@skiff/api';

export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 12_500;
/** How long a node must be missing from the cache before its pods count as orphans (upstream: 40 s). */
export const ORPHAN_QUARANTINE_MS = 40_000;
/** The periodic pass (upstream's gcCheckPeriod). */
export const GC_CHECK_PERIOD_MS = 20_000;

export function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The terminated pods past `threshold`, oldest first (threshold ≤ 0: keep them all). */
export function terminatedPodsToDelete(pods: readonly Pod[], threshold: number): Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter((pod) => isPodTerminated(pod) && !pod.metadata?.deletionTimestamp);
  const excess = terminated.length - threshold;
  if (excess <= 0) return [];
  return [...terminated].sort(byCreation).slice(0, excess);
}

/** Pods being deleted that no node will ever finish: they were never bound. */
export function unscheduledTerminatingPods(pods: readonly Pod[]): Pod[] {
  return pods.filter((pod) => pod.metadata?.deletionTimestamp && !pod.spec?.nodeName);
}

/** Node names that pods are bound to but that the node cache does not hold. */
export function missingNodes(pods: readonly Pod[], nodeExists: (name: string) => boolean): Set<string> {
  const missing = new Set<string>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (node && !nodeExists(node)) missing.add(node);
  }
  return missing;
}

function byCreation(a: Pod, b: Pod): number {
  const ta = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  return ta - tb || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}
