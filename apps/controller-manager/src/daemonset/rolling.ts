/**
 * The DaemonSet's RollingUpdate (upstream's rolling.go): replace pods of old revisions
 * node by node, keeping at most maxUnavailable nodes without an available daemon pod, or
 * with maxSurge, starting the new pod beside the old one and removing the old one once the
 * new one is available.
 */
import type { DaemonSet, Node, Pod } from '@skiff/api';
import { CONTROLLER_REVISION_HASH_LABEL } from '../common/controller-history.ts';
import { isPodAvailable } from '../common/pod-readiness.ts';
import { scaledValueFromIntOrPercent } from '../deployment/util.ts';
import { nodeShouldRunDaemonPod } from './node-eligibility.ts';

export interface RollingPlan {
  podsToDelete: Pod[];
  nodesNeedingPods: string[];
}

/**
 * maxSurge and maxUnavailable as pod counts over the nodes that should run the daemon
 * (both percentages rounded up); when both come out 0, maxUnavailable is 1 so the update
 * can move. Worked example: 10 nodes, maxUnavailable 25% → ceil(2.5) = 3 nodes at a time.
 */
export function updatedDesiredNodeCounts(ds: DaemonSet, nodes: readonly Node[]): { maxSurge: number; maxUnavailable: number; desired: number } {
  const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length;
  const rolling = ds.spec?.updateStrategy?.rollingUpdate;
  const maxUnavailable = scaledValueFromIntOrPercent((rolling?.maxUnavailable as number | string | undefined) ?? 1, desired, true);
  const maxSurge = scaledValueFromIntOrPercent((rolling?.maxSurge as number | string | undefined) ?? 0, desired, true);
  if (maxSurge === 0 && maxUnavailable === 0) return { maxSurge, maxUnavailable: 1, desired };
  return { maxSurge, maxUnavailable, desired };
}

/** The node's updated and old pod, ignoring terminating ones; ok=false when it has two of a kind (manage cleans up). */
function findUpdatedPodsOnNode(pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

export function planRollingUpdate(ds: DaemonSet, nodes: readonly Node[], nodeToPods: ReadonlyMap<string, Pod[]>, hash: string, now: Date): RollingPlan {
  const { maxSurge, maxUnavailable } = updatedDesiredNodeCounts(ds, nodes);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (pod: Pod) => isPodAvailable(pod, minReady, now);
  const sortedNodes = [...nodeToPods.keys()].sort();
  if (maxSurge === 0) {
    let unavailable = 0;
    const replaceNow: Pod[] = [];
    const candidates: Pod[] = [];
    for (const nodeName of sortedNodes) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(nodeToPods.get(nodeName)!, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
        unavailable++;
      } else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod) {
        // An old pod that is not available anyway costs nothing to replace.
        if (!available(oldPod)) replaceNow.push(oldPod);
        else if (unavailable < maxUnavailable) candidates.push(oldPod);
      }
    }
    const budget = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    return { podsToDelete: [...replaceNow, ...candidates.slice(0, budget)], nodesNeedingPods: [] };
  }
  let surging = 0;
  const podsToDelete: Pod[] = [];
  const replaceNow: string[] = [];
  const candidates: string[] = [];
  for (const nodeName of sortedNodes) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(nodeToPods.get(nodeName)!, hash);
    if (!ok) {
      surging++;
    } else if (!oldPod) {
      // Nothing old here: manage creates what is missing.
    } else if (!newPod) {
      if (!available(oldPod)) replaceNow.push(nodeName);
      else if (surging < maxSurge) candidates.push(nodeName);
    } else if (!available(newPod)) {
      surging++;
    } else {
      podsToDelete.push(oldPod);
    }
  }
  const budget = Math.min(Math.max(0, maxSurge - surging), candidates.length);
  return { podsToDelete, nodesNeedingPods: [...replaceNow, ...candidates.slice(0, budget)] };
}
