import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';

/**
 * A filter answers undefined when the pod may go to the node, or the reasons it may not,
 * in kube's words (they are counted into "0/N nodes are available: ..."). Filters must not
 * allocate on the success path: they run for every (pod, node) pair.
 */
export type FilterResult = readonly string[] | undefined;
export type Filter = (pod: PodInfo, node: NodeInfo) => FilterResult;

/**
 * Upstream's UnschedulableAndUnresolvable: a rejection no preemption can cure (a taint, a
 * node selector, a cordon, a volume elsewhere, a request larger than the whole node), so
 * preemption does not look for victims there. Results are marked, not wrapped, so the
 * constant arrays filters return stay allocation-free.
 */
const unresolvableResults = new WeakSet<readonly string[]>();

export function unresolvable<T extends readonly string[]>(reasons: T): T {
  unresolvableResults.add(reasons);
  return reasons;
}

export function isUnresolvable(result: FilterResult): boolean {
  return result !== undefined && unresolvableResults.has(result);
}
