/**
 * Upstream's VolumeBinding plugin, in two halves. `resolvePodVolumes` (its PreFilter) looks
 * up the pod's claims once per attempt: a missing claim, or an Immediate-mode claim the
 * controller has not bound yet, makes every node fail with the same reason. The filter then
 * asks, per node: does each bound volume's node affinity admit it, and can each claim
 * waiting for its first consumer be satisfied there (a matching Available volume on the
 * node, or a class that provisions)? The scheduler's PreBind step (Scheduler.#bind) writes
 * `volume.kubernetes.io/selected-node` on those waiting claims.
 */
import { fromLabelSelector, parseQuantity, type PersistentVolume, type PersistentVolumeClaim, type Pod, type StorageClass } from '@skiff/api';
import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';
import { unresolvable, type FilterResult } from './filter.ts';
import { matchesAnyTerm } from './node-selector.ts';

import { ANN_SELECTED_NODE } from '@skiff/api';
export { ANN_SELECTED_NODE };
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export const REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

/** Where the scheduler reads claims, volumes and classes (its informers; maps in tests). */
export interface VolumeLister {
  getClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  getVolume(name: string): PersistentVolume | undefined;
  listVolumes(): PersistentVolume[];
  getClass(name: string): StorageClass | undefined;
}

/** A WaitForFirstConsumer claim still unbound: what may satisfy it on some node. */
export interface WaitingClaim {
  claim: PersistentVolumeClaim;
  /** The class provisions new volumes wherever the pod lands. */
  provisions: boolean;
  /** Available volumes (or one pre-bound to it) that fit it; their node affinity decides per node. */
  candidates: PersistentVolume[];
}

export interface PodVolumes {
  /** Every node fails with this (a claim is missing or not bound yet). */
  error?: string;
  /** Volumes the pod's claims are bound to that carry node affinity. */
  pinned: PersistentVolume[];
  waiting: WaitingClaim[];
}

export function claimNamesOf(pod: Pod): string[] {
  const names: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) names.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) names.push(`${pod.metadata?.name ?? ''}-${v.name}`);
  }
  return names;
}

/** PreFilter: undefined for a pod without claims, so the filter costs nothing for it. */
export function resolvePodVolumes(pod: Pod, lister: VolumeLister): PodVolumes | undefined {
  const names = claimNamesOf(pod);
  if (names.length === 0) return undefined;
  const ns = pod.metadata?.namespace ?? 'default';
  const result: PodVolumes = { pinned: [], waiting: [] };
  for (const name of names) {
    const claim = lister.getClaim(ns, name);
    if (!claim) return { ...result, error: `persistentvolumeclaim "${name}" not found` };
    if (claim.metadata?.deletionTimestamp) return { ...result, error: `persistentvolumeclaim "${name}" is being deleted` };
    const volumeName = claim.spec?.volumeName;
    if (volumeName) {
      const volume = lister.getVolume(volumeName);
      if (!volume) return { ...result, error: REASON_PV_NOT_EXIST };
      if (volume.spec?.nodeAffinity?.required) result.pinned.push(volume);
      continue;
    }
    const className = claim.spec?.storageClassName ?? '';
    const storageClass = className ? lister.getClass(className) : undefined;
    if (storageClass?.volumeBindingMode !== 'WaitForFirstConsumer') return { ...result, error: REASON_UNBOUND_IMMEDIATE };
    const provisions = Boolean(storageClass.provisioner) && storageClass.provisioner !== NO_PROVISIONER;
    result.waiting.push({ claim, provisions, candidates: lister.listVolumes().filter((v) => volumeCouldTake(v, claim)) });
  }
  return result;
}

/** A static volume the controller could bind this claim to (its node affinity aside). */
function volumeCouldTake(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (ref) return ref.name === claim.metadata?.name && ref.namespace === claim.metadata?.namespace && (!ref.uid || ref.uid === claim.metadata?.uid);
  if (volume.status?.phase !== 'Available' || volume.metadata?.deletionTimestamp) return false;
  if ((volume.spec?.storageClassName ?? '') !== (claim.spec?.storageClassName ?? '')) return false;
  if ((volume.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return false;
  const offered = volume.spec?.accessModes ?? [];
  if (!(claim.spec?.accessModes ?? []).every((m) => offered.includes(m))) return false;
  try {
    if (claim.spec?.selector && !fromLabelSelector(claim.spec.selector).matches(volume.metadata?.labels ?? {})) return false;
    return parseQuantity(volume.spec?.capacity?.storage ?? '0').cmp(parseQuantity(claim.spec?.resources?.requests?.storage ?? '0')) >= 0;
  } catch {
    return false;
  }
}

function fitsNode(volume: PersistentVolume, node: NodeInfo): boolean {
  const terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  return !terms || matchesAnyTerm(terms, node);
}

// Preemption cannot move a volume: upstream reports these as unresolvable.
const NODE_CONFLICT = unresolvable([REASON_NODE_CONFLICT] as const);
const BIND_CONFLICT = unresolvable([REASON_BIND_CONFLICT] as const);

export function filterVolumeBinding(pod: PodInfo, node: NodeInfo): FilterResult {
  const volumes = pod.volumes;
  if (!volumes) return undefined;
  if (volumes.error) return unresolvable([volumes.error]);
  for (const volume of volumes.pinned) {
    if (!fitsNode(volume, node)) return NODE_CONFLICT;
  }
  for (const { claim, provisions, candidates } of volumes.waiting) {
    // A node was chosen for this claim already (another pod, an earlier attempt): only that one.
    const selected = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
    if (selected && selected !== node.name) return BIND_CONFLICT;
    if (provisions) continue;
    if (!candidates.some((v) => fitsNode(v, node))) return BIND_CONFLICT;
  }
  return undefined;
}
