/**
 * What the local-path provisioner makes for a claim, as k3s's local-path-provisioner does:
 * a directory `<root>/pvc-<uid>_<namespace>_<name>` on the chosen node, and a
 * PersistentVolume `pvc-<uid>` for it, pinned to that node, pre-bound to the claim.
 */
import { join } from 'node:path';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '@skiff/api';

export const PROVISIONER_NAME = 'skiff.dev/local-path';
import { ANN_BETA_STORAGE_PROVISIONER, ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER } from '@skiff/api';
export { ANN_BETA_STORAGE_PROVISIONER, ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER };
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export function volumeNameFor(claim: PersistentVolumeClaim): string {
  return `pvc-${claim.metadata?.uid ?? ''}`;
}

export function directoryFor(root: string, claim: PersistentVolumeClaim): string {
  const { uid = '', namespace = '', name = '' } = claim.metadata ?? {};
  return join(root, `pvc-${uid}_${namespace}_${name}`);
}

/**
 * The claim is this node's to provision: the controller handed it to us (storage-provisioner,
 * or the legacy beta annotation), the scheduler chose this node, and nothing is bound yet.
 */
export function shouldProvision(claim: PersistentVolumeClaim, nodeName: string): boolean {
  const ann = claim.metadata?.annotations ?? {};
  const provisioner = ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER];
  return (
    provisioner === PROVISIONER_NAME &&
    ann[ANN_SELECTED_NODE] === nodeName &&
    !claim.spec?.volumeName &&
    !claim.metadata?.deletionTimestamp &&
    (claim.status?.phase ?? 'Pending') === 'Pending'
  );
}

/** The node a volume of ours is pinned to (its required hostname term), if any. */
export function volumeNode(volume: PersistentVolume): string | undefined {
  for (const term of volume.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const req of term.matchExpressions ?? []) {
      if (req.key === HOSTNAME_LABEL && req.operator === 'In' && req.values?.length === 1) return req.values[0];
    }
  }
  return undefined;
}

/** A Released volume of ours on this node whose class said Delete: its directory and object go. */
export function shouldDelete(volume: PersistentVolume, nodeName: string): boolean {
  return (
    volume.metadata?.annotations?.[ANN_PROVISIONED_BY] === PROVISIONER_NAME &&
    volumeNode(volume) === nodeName &&
    volume.status?.phase === 'Released' &&
    volume.spec?.persistentVolumeReclaimPolicy === 'Delete' &&
    !volume.metadata?.deletionTimestamp
  );
}

export function buildVolume(claim: PersistentVolumeClaim, storageClass: StorageClass, nodeName: string, path: string): PersistentVolume {
  const { uid, namespace, name, resourceVersion } = claim.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: volumeNameFor(claim), annotations: { [ANN_PROVISIONED_BY]: PROVISIONER_NAME } },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? '0' },
      accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
      volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
      storageClassName: storageClass.metadata?.name,
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
      ...(storageClass.mountOptions ? { mountOptions: storageClass.mountOptions } : {}),
      hostPath: { path, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [nodeName] }] }] } },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, uid, resourceVersion },
    },
  };
}
