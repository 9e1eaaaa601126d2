/**
 * Which nodes a DaemonSet runs on (upstream's NodeShouldRunDaemonPod and daemon/util):
 * the pod it would make must fit the node's name, nodeSelector and required node affinity,
 * and tolerate the node's NoSchedule and NoExecute taints. A pod already there keeps
 * running while it still fits and tolerates the NoExecute ones.
 */
import { matchesAnyNodeSelectorTerm, type DaemonSet, type Node, type Pod, type Taint, type Toleration } from '@skiff/api';
import type { Affinity, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import { toleratesTaint } from '../node-lifecycle/taint-eviction.ts';

export interface NodeVerdict {
  /** A daemon pod should be created here. */
  shouldRun: boolean;
  /** A daemon pod already here may stay. */
  shouldContinueRunning: boolean;
}

/**
 * The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations), so that node
 * conditions and cordoning never evict it nor keep it off its node.
 */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const tolerations: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) tolerations.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return tolerations;
}

/** The template's tolerations plus the daemon ones it does not already carry (by key and effect). */
export function withDaemonTolerations(tolerations: readonly Toleration[] | undefined, hostNetwork: boolean): Toleration[] {
  const out = [...(tolerations ?? [])];
  for (const t of daemonPodTolerations(hostNetwork)) {
    if (!out.some((have) => have.key === t.key && have.effect === t.effect)) out.push(t);
  }
  return out;
}

/**
 * The pod's required node affinity replaced by `metadata.name In [node]`
 * (ReplaceDaemonSetPodNodeNameNodeAffinity): the controller has already checked the
 * template's own terms; the scheduler then only binds it there.
 */
export function affinityForNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const terms: NodeSelectorTerm[] = [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }];
  const copy = structuredClone(affinity ?? {});
  copy.nodeAffinity = { ...(copy.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } };
  return copy;
}

/** The node a daemon pod is for: where it is bound, else the node its affinity names (GetTargetNodeName). */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const field of term.matchFields ?? []) {
      if (field.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1) return field.values[0];
    }
  }
  return undefined;
}

/** nodeSelector and required node affinity (terms ORed; an empty term matches nothing). */
export function fitsNodeAffinity(spec: Pod['spec'], node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(spec?.nodeSelector ?? {})) if (labels[key] !== value) return false;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return !terms || matchesAnyNodeSelectorTerm(terms, { name: node.metadata?.name ?? '', labels });
}

function untolerated(taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[]): boolean {
  return taints.some((taint) => effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/** NodeShouldRunDaemonPod. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeVerdict {
  const spec = ds.spec?.template?.spec;
  const name = node.metadata?.name ?? '';
  if (spec?.nodeName && spec.nodeName !== name) return { shouldRun: false, shouldContinueRunning: false };
  if (!fitsNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = withDaemonTolerations(spec?.tolerations, Boolean(spec?.hostNetwork));
  const taints = node.spec?.taints ?? [];
  if (untolerated(taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    return { shouldRun: false, shouldContinueRunning: !untolerated(taints, tolerations, ['NoExecute']) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}
