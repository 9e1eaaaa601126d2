/**
 * The writes of a binding, as upstream's bind(): the volume's claimRef, the volume's phase,
 * the claim's volumeName and annotations, the claim's status. Each step writes only when
 * something differs, so a pass that was interrupted half-way is finished by the next one.
 */
import { findResourceByKind, type PersistentVolume, type PersistentVolumeClaim, type ResourceInfo } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, isVolumeBoundToClaim } from './util.ts';

export const volumesResource: ResourceInfo = findResourceByKind('v1', 'PersistentVolume')!;
export const claimsResource: ResourceInfo = findResourceByKind('v1', 'PersistentVolumeClaim')!;
export const classesResource: ResourceInfo = findResourceByKind('storage.k8s.io/v1', 'StorageClass')!;

export type VolumeClient = Pick<RestClient, 'update' | 'delete'>;

export async function setVolumePhase(client: VolumeClient, volume: PersistentVolume, phase: string, message?: string): Promise<PersistentVolume> {
  if (volume.status?.phase === phase && volume.status?.message === message) return volume;
  const { message: _old, ...status } = volume.status ?? {};
  const next: PersistentVolume = { ...structuredClone(volume), status: { ...status, phase, ...(message ? { message } : {}) } };
  return client.update(volumesResource, next, { subresource: 'status' });
}

/** Claim status: phase, and once Bound, the volume's capacity and access modes. */
export async function setClaimPhase(
  client: VolumeClient,
  claim: PersistentVolumeClaim,
  phase: string,
  volume?: PersistentVolume,
): Promise<PersistentVolumeClaim> {
  const status = { ...claim.status, phase };
  if (volume) {
    status.capacity = volume.spec?.capacity;
    status.accessModes = volume.spec?.accessModes;
  } else if (phase === 'Pending') {
    delete status.capacity;
    delete status.accessModes;
  }
  if (JSON.stringify(status) === JSON.stringify(claim.status ?? {})) return claim;
  return client.update(claimsResource, { ...structuredClone(claim), status }, { subresource: 'status' });
}

/** Points the volume at the claim (with its uid); a volume nobody pre-bound is marked bound-by-controller. */
async function bindVolumeToClaim(client: VolumeClient, volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<PersistentVolume> {
  const ref = volume.spec?.claimRef;
  if (ref?.uid === claim.metadata?.uid && isVolumeBoundToClaim(volume, claim)) return volume;
  const next = structuredClone(volume);
  next.spec = {
    ...next.spec,
    claimRef: {
      kind: 'PersistentVolumeClaim',
      apiVersion: 'v1',
      namespace: claim.metadata?.namespace,
      name: claim.metadata?.name,
      uid: claim.metadata?.uid,
      resourceVersion: claim.metadata?.resourceVersion,
    },
  };
  if (!ref) next.metadata = { ...next.metadata, annotations: { ...next.metadata?.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' } };
  return client.update(volumesResource, next);
}

async function bindClaimToVolume(client: VolumeClient, claim: PersistentVolumeClaim, volume: PersistentVolume): Promise<PersistentVolumeClaim> {
  const name = volume.metadata?.name ?? '';
  const annotations = claim.metadata?.annotations ?? {};
  if (claim.spec?.volumeName === name && annotations[ANN_BIND_COMPLETED] === 'yes') return claim;
  const next = structuredClone(claim);
  const added: Record<string, string> = { [ANN_BIND_COMPLETED]: 'yes' };
  if (!claim.spec?.volumeName) added[ANN_BOUND_BY_CONTROLLER] = 'yes';
  next.spec = { ...next.spec, volumeName: name };
  next.metadata = { ...next.metadata, annotations: { ...annotations, ...added } };
  return client.update(claimsResource, next);
}

/** Binds both ways, then sets both phases to Bound. */
export async function bind(client: VolumeClient, volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
  const boundVolume = await bindVolumeToClaim(client, volume, claim);
  const finalVolume = await setVolumePhase(client, boundVolume, 'Bound');
  const boundClaim = await bindClaimToVolume(client, claim, finalVolume);
  await setClaimPhase(client, boundClaim, 'Bound', finalVolume);
}

/** Releases a volume the controller bound to a claim that went elsewhere: no claimRef, Available. */
export async function unbindVolume(client: VolumeClient, volume: PersistentVolume): Promise<void> {
  const next = structuredClone(volume);
  if (next.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]) {
    delete next.spec?.claimRef;
    delete next.metadata.annotations[ANN_BOUND_BY_CONTROLLER];
  } else if (next.spec?.claimRef) {
    // Pre-bound by a user: keep their claimRef, forget the uid of the claim that went away.
    delete next.spec.claimRef.uid;
  }
  const updated = await client.update(volumesResource, next);
  await setVolumePhase(client, updated, 'Available');
}
