/**
 * One volume's pass, upstream's syncVolume: unclaimed is Available; a claim that is gone
 * (or was recreated under the same name) leaves the volume Released and its reclaim policy
 * decides: Retain keeps it for an administrator, Delete removes it (volumes of an external
 * provisioner are deleted by that provisioner), Recycle is not supported (Failed).
 */
import type { PersistentVolume } from '@skiff/api';
import { isNotFound, type EventObjectRef, type SyncResult } from '@skiff/client';
import { setVolumePhase, unbindVolume, volumesResource } from './binder.ts';
import type { PvControllerDeps } from './sync-claim.ts';
import { ANN_PROVISIONED_BY } from './util.ts';

const volumeRef = (volume: PersistentVolume): EventObjectRef => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: volume.metadata });

/** What syncVolume answers beyond a requeue: claims it found that need a pass of their own. */
export interface VolumeSyncResult {
  result: SyncResult;
  claimsToSync: string[];
}

export async function syncVolume(deps: PvControllerDeps, volume: PersistentVolume): Promise<VolumeSyncResult> {
  const done = (claimsToSync: string[] = []): VolumeSyncResult => ({ result: undefined, claimsToSync });
  if (volume.metadata?.deletionTimestamp) return done();
  const ref = volume.spec?.claimRef;
  if (!ref) {
    await setVolumePhase(deps.client, volume, 'Available');
    return done();
  }
  const claimKey = `${ref.namespace ?? ''}/${ref.name ?? ''}`;
  if (!ref.uid) {
    // Pre-bound by a user to a claim that may not exist yet: it waits for that claim only.
    await setVolumePhase(deps.client, volume, 'Available');
    return done([claimKey]);
  }
  const found = deps.claims.get(ref.namespace, ref.name ?? '');
  const claim = found && found.metadata?.uid === ref.uid ? found : undefined;
  if (!claim) return reclaim(deps, volume);
  const claimVolume = claim.spec?.volumeName;
  if (!claimVolume) {
    // The claim's half of the binding is not written yet: its own pass finishes it.
    return done([claimKey]);
  }
  if (claimVolume === volume.metadata?.name) {
    await setVolumePhase(deps.client, volume, 'Bound');
    return done();
  }
  // The claim is bound elsewhere; a binding we made is undone, a user's pre-binding kept.
  await unbindVolume(deps.client, volume);
  return done();
}

async function reclaim(deps: PvControllerDeps, volume: PersistentVolume): Promise<VolumeSyncResult> {
  const done: VolumeSyncResult = { result: undefined, claimsToSync: [] };
  const phase = volume.status?.phase;
  if (phase === 'Failed') return done;
  const released = phase === 'Released' ? volume : await setVolumePhase(deps.client, volume, 'Released');
  const policy = volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
  const name = volume.metadata?.name ?? '';
  if (policy === 'Retain') {
    deps.logger?.debug({ volume: name }, 'volume released; policy Retain keeps it');
    return done;
  }
  if (policy === 'Recycle') {
    const message = 'Recycle is not supported by Skiff; use Delete or Retain';
    deps.recorder.event(volumeRef(volume), 'Warning', 'VolumeFailedRecycle', message);
    await setVolumePhase(deps.client, released, 'Failed', message);
    return done;
  }
  const provisioner = volume.metadata?.annotations?.[ANN_PROVISIONED_BY];
  if (provisioner) {
    // An external provisioner's volume: it removes the storage, then the PersistentVolume.
    deps.logger?.debug({ volume: name, provisioner }, 'volume released; waiting for its provisioner to delete it');
    return done;
  }
  // No provisioner owns it (an administrator's volume): Skiff has no in-tree deleters, so the
  // PersistentVolume object goes and whatever storage it named stays where it is.
  try {
    await deps.client.delete(volumesResource, undefined, name);
    deps.logger?.info({ volume: name }, 'released volume deleted (policy Delete); its storage was left in place');
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return done;
}
