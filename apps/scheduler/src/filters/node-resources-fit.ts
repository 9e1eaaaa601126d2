import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';
import { unresolvable, type FilterResult } from './filter.ts';

export const REASON_TOO_MANY_PODS = 'Too many pods';
export const REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
export const REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';

/**
 * kube's NodeResourcesFit: the pod's requests against allocatable minus what bound and
 * assumed pods request. Every shortfall is reported (a node can be short of both cpu and
 * memory). A zero request always fits, even on an overcommitted node, as in kube. A request
 * larger than the node's whole allocatable is unresolvable: no preemption makes it fit.
 */
export function filterNodeResourcesFit(pod: PodInfo, node: NodeInfo): FilterResult {
  let reasons: string[] | undefined;
  if (node.podCount + 1 > node.allocPods) (reasons ??= []).push(REASON_TOO_MANY_PODS);
  if (pod.cpu > 0 && pod.cpu > node.allocCpu - node.requestedCpu) (reasons ??= []).push(REASON_INSUFFICIENT_CPU);
  if (pod.memory > 0 && pod.memory > node.allocMemory - node.requestedMemory) (reasons ??= []).push(REASON_INSUFFICIENT_MEMORY);
  if (reasons && (pod.cpu > node.allocCpu || pod.memory > node.allocMemory)) unresolvable(reasons);
  return reasons;
}
