/**
 * One claim's pass, upstream's syncClaim: an unbound claim looks for a volume (or waits for
 * its first consumer, or asks its class's provisioner for one); a bound claim checks its
 * volume is still there and still its own, else it is Lost.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim, StorageClass } from '@skiff/api';
import type { EventObjectRef, Lister, RestClient, SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { bind, claimsResource, setClaimPhase, type VolumeClient } from './binder.ts';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  NO_PROVISIONER,
  claimClass,
  findBestMatch,
  isDelayBinding,
  isVolumeBoundToClaim,
  volumeMismatch,
} from './util.ts';

/** Pending claims are looked at again this often, as upstream's periodic resync. */
export const PENDING_RESYNC_MS = 15_000;

export interface EventSink {
  event(obj: EventObjectRef, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface PvControllerDeps {
  client: VolumeClient & Pick<RestClient, 'patch'>;
  claims: Lister<PersistentVolumeClaim>;
  volumes: Lister<PersistentVolume>;
  classes: Lister<StorageClass>;
  nodes: Lister<Node>;
  recorder: EventSink;
  logger?: Logger;
}

const claimRef = (claim: PersistentVolumeClaim): EventObjectRef => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: claim.metadata });

export async function syncClaim(deps: PvControllerDeps, claim: PersistentVolumeClaim): Promise<SyncResult> {
  if (claim.metadata?.annotations?.[ANN_BIND_COMPLETED]) return syncBoundClaim(deps, claim);
  return syncUnboundClaim(deps, claim);
}

async function pending(
  deps: PvControllerDeps,
  claim: PersistentVolumeClaim,
  event?: [type: 'Normal' | 'Warning', reason: string, message: string],
): Promise<SyncResult> {
  if (event) deps.recorder.event(claimRef(claim), ...event);
  await setClaimPhase(deps.client, claim, 'Pending');
  return { requeueAfter: PENDING_RESYNC_MS };
}

async function syncUnboundClaim(deps: PvControllerDeps, claim: PersistentVolumeClaim): Promise<SyncResult> {
  const volumeName = claim.spec?.volumeName;
  if (!volumeName) return findVolumeForClaim(deps, claim);
  // The user pre-bound the claim to a volume by name.
  const volume = deps.volumes.get(undefined, volumeName);
  if (!volume) return pending(deps, claim, ['Warning', 'FailedBinding', `volume "${volumeName}" not found`]);
  if (!volume.spec?.claimRef) {
    const mismatch = volumeMismatch(volume, claim);
    if (mismatch) return pending(deps, claim, ['Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volumeName}": ${mismatch}`]);
    await bind(deps.client, volume, claim);
    return undefined;
  }
  if (isVolumeBoundToClaim(volume, claim)) {
    await bind(deps.client, volume, claim);
    return undefined;
  }
  return pending(deps, claim, ['Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`]);
}

async function findVolumeForClaim(deps: PvControllerDeps, claim: PersistentVolumeClaim): Promise<SyncResult> {
  const classOf = (name: string) => deps.classes.get(undefined, name);
  const delayBinding = isDelayBinding(claim, classOf);
  const selectedNode = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
  // Skiff binds a WaitForFirstConsumer claim itself once the scheduler chose the node (upstream's
  // scheduler binds static volumes itself): only volumes that may sit on that node compete.
  const node = delayBinding && selectedNode ? nodeMatch(deps, selectedNode) : undefined;
  const volume = findBestMatch(claim, deps.volumes.list(), { delayBinding, node });
  if (volume) {
    await bind(deps.client, volume, claim);
    return undefined;
  }
  if (delayBinding && !selectedNode) {
    return pending(deps, claim, ['Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding']);
  }
  const className = claimClass(claim);
  if (className === '') {
    return pending(deps, claim, ['Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set']);
  }
  return provisionClaim(deps, claim, className);
}

function nodeMatch(deps: PvControllerDeps, name: string): { name: string; labels: Record<string, string> } {
  // A node the cache does not know yet still has its hostname label: local volumes pin by it.
  const labels = deps.nodes.get(undefined, name)?.metadata?.labels ?? { 'kubernetes.io/hostname': name };
  return { name, labels };
}

/**
 * Upstream's provisionClaim for out-of-tree provisioners: the claim is annotated with the
 * class's provisioner, and that provisioner (skiff.dev/local-path's node half) creates a
 * volume pre-bound to it, which the next pass binds.
 */
async function provisionClaim(deps: PvControllerDeps, claim: PersistentVolumeClaim, className: string): Promise<SyncResult> {
  const storageClass = deps.classes.get(undefined, className);
  if (!storageClass) {
    return pending(deps, claim, ['Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`]);
  }
  const provisioner = storageClass.provisioner;
  if (!provisioner || provisioner === NO_PROVISIONER) {
    return pending(deps, claim, ['Normal', 'FailedBinding', 'no persistent volumes available for this claim and storage class is set']);
  }
  const annotations = claim.metadata?.annotations ?? {};
  let current = claim;
  if (annotations[ANN_STORAGE_PROVISIONER] !== provisioner || annotations[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
    const patch = { metadata: { annotations: { [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner } } };
    current = await deps.client.patch<PersistentVolumeClaim>(claimsResource, claim.metadata?.namespace, claim.metadata?.name ?? '', 'merge', patch);
  }
  return pending(deps, current, [
    'Normal',
    'ExternalProvisioning',
    `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
  ]);
}

async function syncBoundClaim(deps: PvControllerDeps, claim: PersistentVolumeClaim): Promise<SyncResult> {
  const volumeName = claim.spec?.volumeName;
  const lost = async (reason: string, message: string) => {
    if (claim.status?.phase !== 'Lost') deps.recorder.event(claimRef(claim), 'Warning', reason, message);
    await setClaimPhase(deps.client, claim, 'Lost');
  };
  if (!volumeName) return lost('ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
  const volume = deps.volumes.get(undefined, volumeName);
  if (!volume) return lost('ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
  if (!volume.spec?.claimRef || isVolumeBoundToClaim(volume, claim)) {
    // Finish (or repair) the binding: the volume's half may be missing after an interrupted pass.
    await bind(deps.client, volume, claim);
    return undefined;
  }
  return lost('ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
}
