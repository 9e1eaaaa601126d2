/**
 * persistentVolumeClaim volumes for PersistentVolumes on this node's disk: the claim must be
 * bound (spec.volumeName) to a PV with hostPath or local.path, and the volume is that path.
 * There is no attach/detach or dynamic provisioning here.
 */
import { stat } from 'node:fs/promises';
import type { Pod, Volume } from '@skiff/api';
import { checkHostPathType } from './host-path.ts';
import type { VolumeSources } from './volume-sources.ts';

export interface ResolvedClaim {
  path: string;
  readOnly: boolean;
}

export async function resolveClaim(pod: Pod, source: NonNullable<Volume['persistentVolumeClaim']>, sources: VolumeSources): Promise<ResolvedClaim> {
  const ns = pod.metadata?.namespace ?? 'default';
  const claimName = source.claimName;
  const pvc = await sources.getPersistentVolumeClaim(ns, claimName);
  if (!pvc) throw new Error(`persistentvolumeclaim "${claimName}" not found`);
  if (pvc.metadata?.deletionTimestamp) throw new Error(`persistentvolumeclaim "${claimName}" is being deleted`);
  const pvName = pvc.spec?.volumeName;
  if (!pvName) throw new Error(`persistentvolumeclaim "${claimName}" is not bound`);
  const pv = await sources.getPersistentVolume(pvName);
  if (!pv) throw new Error(`persistentvolume "${pvName}" bound to claim "${claimName}" not found`);
  const ref = pv.spec?.claimRef;
  if (ref && (ref.name !== claimName || (ref.namespace ?? ns) !== ns || (ref.uid && pvc.metadata?.uid && ref.uid !== pvc.metadata.uid))) {
    throw new Error(`persistentvolume "${pvName}" is bound to claim ${ref.namespace ?? ''}/${ref.name ?? ''}, not ${ns}/${claimName}`);
  }
  const readOnly = source.readOnly === true;
  if (pv.spec?.hostPath) {
    await checkHostPathType(pv.spec.hostPath.path, pv.spec.hostPath.type);
    return { path: pv.spec.hostPath.path, readOnly };
  }
  if (pv.spec?.local) {
    const st = await stat(pv.spec.local.path).catch(() => undefined);
    if (!st) throw new Error(`local volume "${pvName}": path "${pv.spec.local.path}" does not exist`);
    return { path: pv.spec.local.path, readOnly };
  }
  throw new Error(`persistentvolume "${pvName}": only hostPath and local volumes are supported`);
}
