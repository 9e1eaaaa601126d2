import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';

/**
 * A filter answers undefined when the pod may go to the node, or the reasons it may not,
 * in kube's words (they are counted into "0/N nodes are available: ..."). Filters must not
 * allocate on the success path: they run for every (pod, node) pair.
 */
export type FilterResult = readonly string[] | undefined;
export type Filter = (pod: PodInfo, node: NodeInfo) => FilterResult;
