import type { NodeSelectorRequirement, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';
import type { FilterResult } from './filter.ts';

export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
const MISMATCH = [REASON_NODE_AFFINITY] as const;

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
  for (const term of terms) {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) continue;
    if (exprs.every((r) => matchesLabelRequirement(r, node.labels)) && fields.every((r) => matchesFieldRequirement(r, node))) {
      return true;
    }
  }
  return false;
}

export function matchesLabelRequirement(req: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(value);
    case 'NotIn':
      return !has || !values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      const left = parseInteger(value);
      const right = parseInteger(values[0]);
      if (left === undefined || right === undefined) return false;
      return req.operator === 'Gt' ? left > right : left < right;
    }
    default:
      return false;
  }
}

/** Node fields kube allows in matchFields: only metadata.name, with In / NotIn. */
function matchesFieldRequirement(req: NodeSelectorRequirement, node: NodeInfo): boolean {
  if (req.key !== 'metadata.name') return false;
  const values = req.values ?? [];
  if (req.operator === 'In') return values.includes(node.name);
  if (req.operator === 'NotIn') return !values.includes(node.name);
  return false;
}

function parseInteger(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}
