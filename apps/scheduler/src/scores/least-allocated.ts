import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';

export const MAX_NODE_SCORE = 100;

/** (capacity − requested) · 100 / capacity in integers; 0 when full or overfull, as kube. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/**
 * kube's LeastAllocated: cpu and memory weighted equally, counting the pod itself and
 * using non-zero requests (pods without requests still count 100m / 200Mi), so empty
 * nodes win and pods spread by load.
 */
export function scoreLeastAllocated(pod: PodInfo, node: NodeInfo): number {
  const cpu = leastRequestedScore(node.nonZeroCpu + pod.nonZeroCpu, node.allocCpu);
  const memory = leastRequestedScore(node.nonZeroMemory + pod.nonZeroMemory, node.allocMemory);
  return Math.floor((cpu + memory) / 2);
}
