import type { Taint, Toleration } from '@skiff/api';
import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';
import { unresolvable, type FilterResult } from './filter.ts';

/** kube's Toleration.ToleratesTaint: an empty key with Exists tolerates every taint. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (!t.operator || t.operator === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

export function formatUntoleratedTaint(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** Every NoSchedule/NoExecute taint of the node must be tolerated; the first that is not is reported. */
export function filterTaintToleration(pod: PodInfo, node: NodeInfo): FilterResult {
  for (const taint of node.taints) {
    let tolerated = false;
    for (const t of pod.tolerations) {
      if (toleratesTaint(t, taint)) {
        tolerated = true;
        break;
      }
    }
    if (!tolerated) return unresolvable([formatUntoleratedTaint(taint)]);
  }
  return undefined;
}
