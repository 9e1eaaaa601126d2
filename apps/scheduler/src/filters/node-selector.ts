import { matchesAnyNodeSelectorTerm } from '@skiff/api';
import type { NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';
import { unresolvable, type FilterResult } from './filter.ts';

export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
const MISMATCH = unresolvable([REASON_NODE_AFFINITY] as const);

/** kube's NodeAffinity: every nodeSelector label, and at least one required affinity term. */
export function filterNodeSelector(pod: PodInfo, node: NodeInfo): FilterResult {
  const labels = node.labels;
  for (const [key, value] of pod.nodeSelector) {
    if (labels[key] !== value) return MISMATCH;
  }
  if (pod.requiredTerms && !matchesAnyTerm(pod.requiredTerms, node)) return MISMATCH;
  return undefined;
}

/** Terms are ORed; a term without expressions or fields matches nothing, as in kube. */
export function matchesAnyTerm(terms: readonly NodeSelectorTerm[], node: NodeInfo): boolean {
  return matchesAnyNodeSelectorTerm(terms, node);
}
