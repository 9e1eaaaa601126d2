import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';
import { unresolvable, type FilterResult } from './filter.ts';
import { toleratesTaint } from './taint-toleration.ts';

export const REASON_NOT_READY = 'node(s) were not ready';
export const REASON_UNKNOWN_CONDITION = 'node(s) had unknown conditions';
export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const NOT_READY = unresolvable([REASON_NOT_READY] as const);
const UNKNOWN_CONDITION = unresolvable([REASON_UNKNOWN_CONDITION] as const);
const UNSCHEDULABLE = unresolvable([REASON_UNSCHEDULABLE] as const);

// A cordoned node carries this taint; a pod tolerating it may still go there, as in kube.
const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' } as const;

/** Ready=True and not cordoned (kube's NodeUnschedulable plus the old node-condition check). */
export function filterNodeReadySchedulable(pod: PodInfo, node: NodeInfo): FilterResult {
  if (node.ready === 'False') return NOT_READY;
  if (node.ready !== 'True') return UNKNOWN_CONDITION;
  if (node.unschedulable && !toleratesUnschedulable(pod)) return UNSCHEDULABLE;
  return undefined;
}

function toleratesUnschedulable(pod: PodInfo): boolean {
  return pod.tolerations.some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT));
}
