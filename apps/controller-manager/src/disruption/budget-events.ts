/** What the disruption controller's events name and print. */
import type { LabelSelector, PodDisruptionBudget } from '@skiff/api';
import type { EventObjectRef } from '@skiff/client';

export function budgetObjectRef(pdb: PodDisruptionBudget): EventObjectRef {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: pdb.metadata };
}

/**
 * A LabelSelector as Go's generated String() prints it in upstream's UnmanagedPods event:
 * `&LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}`.
 */
export function formatLabelSelectorStruct(selector: LabelSelector | undefined): string {
  if (!selector) return 'nil';
  const labels = Object.keys(selector.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${selector.matchLabels![k]},`)
    .join('');
  const exprs = (selector.matchExpressions ?? [])
    .map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`)
    .join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}
