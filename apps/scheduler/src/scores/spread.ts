import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';
import { MAX_NODE_SCORE } from './least-allocated.ts';

/** Pods of the pod's owner (controllerRef uid) already on the node. */
export function countOwnerPods(pod: PodInfo, node: NodeInfo): number {
  return pod.ownerUid ? (node.ownerCounts.get(pod.ownerUid) ?? 0) : 0;
}

/**
 * SelectorSpread's normalisation: 100 · (max − count) / max over the feasible nodes, so
 * the node with fewest siblings scores highest; with no siblings anywhere all score 100.
 * Example: counts [0, 1, 2] → scores [100, 50, 0].
 */
export function scoreSpread(count: number, maxCount: number): number {
  if (maxCount <= 0) return MAX_NODE_SCORE;
  return Math.floor((MAX_NODE_SCORE * (maxCount - count)) / maxCount);
}
