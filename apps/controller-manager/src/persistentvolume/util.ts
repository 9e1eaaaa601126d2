/**
 * Pure helpers of the persistentvolume-binder controller: the annotations it shares with
 * the scheduler and the provisioners, and upstream's volume matching (findMatchingVolume):
 * same class, same volumeMode, every access mode the claim asks for, the claim's label
 * selector, and the smallest capacity that holds the request.
 */
import { fromLabelSelector, parseQuantity, type PersistentVolume, type PersistentVolumeClaim, type Quantity, type StorageClass } from '@skiff/api';
import type { NodeSelectorRequirement, NodeSelectorTerm } from 'kubernetes-types/core/v1.js';

import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
} from '@skiff/api';
export { ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER };
/** A class with this provisioner has no dynamic provisioning (static local volumes). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export function claimKey(claim: PersistentVolumeClaim): string {
  return `${claim.metadata?.namespace ?? ''}/${claim.metadata?.name ?? ''}`;
}

/** The claim's class: spec.storageClassName, or the legacy beta annotation, else '' (no class). */
export function claimClass(claim: PersistentVolumeClaim): string {
  return claim.spec?.storageClassName ?? claim.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

export function volumeClass(volume: PersistentVolume): string {
  return volume.spec?.storageClassName ?? volume.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

export function claimRequest(claim: PersistentVolumeClaim): Quantity {
  return parseQuantity(claim.spec?.resources?.requests?.storage ?? '0');
}

export function volumeCapacity(volume: PersistentVolume): Quantity {
  return parseQuantity(volume.spec?.capacity?.storage ?? '0');
}

/** The volume's claimRef names this claim; with a uid, the same claim object. */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || (ref.namespace ?? '') !== (claim.metadata?.namespace ?? '')) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

export function isDelayBinding(claim: PersistentVolumeClaim, classes: (name: string) => StorageClass | undefined): boolean {
  const name = claimClass(claim);
  return name !== '' && classes(name)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** Every mode the claim wants is one the volume offers. */
export function hasAccessModes(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const offered = volume.spec?.accessModes ?? [];
  return (claim.spec?.accessModes ?? []).every((m) => offered.includes(m));
}

/** Why a user's pre-bound volume cannot take the claim (upstream checkVolumeSatisfyClaim), or undefined. */
export function volumeMismatch(volume: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  if (volumeCapacity(volume).cmp(claimRequest(claim)) < 0) return 'requested PV is too small';
  if (volumeClass(volume) !== claimClass(claim)) return 'storageClassName does not match';
  if ((volume.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  if (!hasAccessModes(volume, claim)) return 'incompatible accessMode';
  return undefined;
}

/** The volume's required node affinity admits a node with these labels and name (no affinity: any node). */
export function volumeFitsNode(volume: PersistentVolume, nodeName: string, labels: Readonly<Record<string, string>>): boolean {
  const terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((term) => termMatches(term, nodeName, labels));
}

function termMatches(term: NodeSelectorTerm, nodeName: string, labels: Readonly<Record<string, string>>): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return exprs.every((r) => requirementMatches(r, labels[r.key])) && fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, nodeName));
}

function requirementMatches(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && values.length === 1 && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && values.length === 1 && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

export interface MatchNode {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/**
 * Upstream's findMatchingVolume. A volume already pre-bound to this claim wins outright
 * (unless it cannot sit on `node`). Otherwise only Available, unclaimed volumes of the
 * claim's class, mode, access modes and selector compete, and the smallest that holds the
 * request is chosen: a 1Gi claim takes a 2Gi volume over a 5Gi one, never a 512Mi one.
 * With delayed binding and no node yet, only pre-bound volumes may match: the scheduler
 * picks the node first.
 */
export function findBestMatch(
  claim: PersistentVolumeClaim,
  volumes: readonly PersistentVolume[],
  opts: { delayBinding: boolean; node?: MatchNode },
): PersistentVolume | undefined {
  const request = claimRequest(claim);
  const klass = claimClass(claim);
  const mode = claim.spec?.volumeMode ?? 'Filesystem';
  let selector;
  try {
    selector = claim.spec?.selector ? fromLabelSelector(claim.spec.selector) : undefined;
  } catch {
    return undefined;
  }
  let best: PersistentVolume | undefined;
  let bestSize: Quantity | undefined;
  for (const volume of volumes) {
    if (volume.metadata?.deletionTimestamp) continue;
    if ((volume.spec?.volumeMode ?? 'Filesystem') !== mode) continue;
    const fitsNode = !opts.node || volumeFitsNode(volume, opts.node.name, opts.node.labels);
    if (isVolumeBoundToClaim(volume, claim)) {
      if (!fitsNode) return undefined;
      return volume;
    }
    if (!opts.node && opts.delayBinding) continue;
    if (!fitsNode || volume.spec?.claimRef || volume.status?.phase !== 'Available') continue;
    if (volumeClass(volume) !== klass) continue;
    if (selector && !selector.matches(volume.metadata?.labels ?? {})) continue;
    if (!hasAccessModes(volume, claim)) continue;
    const size = volumeCapacity(volume);
    if (size.cmp(request) < 0) continue;
    if (!bestSize || size.cmp(bestSize) < 0) {
      best = volume;
      bestSize = size;
    }
  }
  return best;
}
