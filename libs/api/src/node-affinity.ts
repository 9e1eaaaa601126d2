/**
 * Node selector terms as Kubernetes matches them (component-helpers' nodeaffinity): terms
 * are ORed, a term's label expressions and field requirements ANDed, and a term with
 * neither matches nothing. The only node field is `metadata.name`, with In / NotIn.
 * The scheduler, the daemonset controller and volume binding all decide with these.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';

export interface NodeIdentity {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export function matchesAnyNodeSelectorTerm(terms: readonly NodeSelectorTerm[], node: NodeIdentity): boolean {
  for (const term of terms) {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) continue;
    if (exprs.every((r) => matchesNodeLabelRequirement(r, node.labels)) && fields.every((r) => matchesNodeFieldRequirement(r, node.name))) {
      return true;
    }
  }
  return false;
}

export function matchesNodeLabelRequirement(req: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
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

function matchesNodeFieldRequirement(req: NodeSelectorRequirement, nodeName: string): boolean {
  if (req.key !== 'metadata.name') return false;
  const values = req.values ?? [];
  if (req.operator === 'In') return values.includes(nodeName);
  if (req.operator === 'NotIn') return !values.includes(nodeName);
  return false;
}

function parseInteger(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}
