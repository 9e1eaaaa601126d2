/** PersistentVolumes, PersistentVolumeClaims and StorageClasses as kubectl prints them. */
import { formatAge } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import { ageColumn, column, field, nameColumn, orNone, str, type TablePrinter } from './table.ts';

const accessModeShort: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

/** ['ReadWriteOnce', 'ReadOnlyMany'] → 'RWO,ROX', in kubectl's fixed order. */
function accessModes(obj: unknown, ...path: string[]): string {
  const modes = field(obj, ...path);
  if (!Array.isArray(modes)) return '';
  return Object.keys(accessModeShort)
    .filter((m) => modes.includes(m))
    .map((m) => accessModeShort[m])
    .join(',');
}

function storage(obj: unknown, ...path: string[]): string {
  const v = field(obj, ...path, 'storage');
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

/** The phase, or Terminating once deletion has begun (finalizers keep bound volumes and claims). */
function phaseOrTerminating(obj: KubeObject): string {
  return obj.metadata.deletionTimestamp ? 'Terminating' : str(obj, 'status', 'phase');
}

export const persistentVolumePrinter: TablePrinter = {
  columns: [
    column('Capacity', "capacity is the description of the persistent volume's resources and capacity."),
    column('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    column('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
    column('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    column('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
    column('StorageClass', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    column('Reason', 'reason is a brief CamelCase string that describes any failure.'),
    ageColumn,
    column('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', { wide: true }),
  ],
  cells: (pv, now) => {
    const claimNs = str(pv, 'spec', 'claimRef', 'namespace');
    const claimName = str(pv, 'spec', 'claimRef', 'name');
    return [
      storage(pv, 'spec', 'capacity'),
      accessModes(pv, 'spec', 'accessModes'),
      str(pv, 'spec', 'persistentVolumeReclaimPolicy'),
      phaseOrTerminating(pv),
      claimName ? `${claimNs}/${claimName}` : '',
      str(pv, 'spec', 'storageClassName'),
      orNone(str(pv, 'spec', 'volumeAttributesClassName')),
      str(pv, 'status', 'reason'),
      formatAge(pv.metadata.creationTimestamp, now),
      orNone(str(pv, 'spec', 'volumeMode')),
    ];
  },
};

export const persistentVolumeClaimPrinter: TablePrinter = {
  columns: [
    column('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
    column('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    column('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    column('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    column('StorageClass', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    ageColumn,
    column('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', { wide: true }),
  ],
  cells: (pvc, now) => {
    // Capacity and modes come from the claim's status once it names a volume; before, none.
    const bound = str(pvc, 'spec', 'volumeName') !== '';
    return [
      phaseOrTerminating(pvc),
      str(pvc, 'spec', 'volumeName'),
      bound ? storage(pvc, 'status', 'capacity') : '',
      bound ? accessModes(pvc, 'status', 'accessModes') : '',
      str(pvc, 'spec', 'storageClassName'),
      orNone(str(pvc, 'spec', 'volumeAttributesClassName')),
      formatAge(pvc.metadata.creationTimestamp, now),
      orNone(str(pvc, 'spec', 'volumeMode')),
    ];
  },
};

/** The class new claims without a storageClassName get (storageclass.IsDefaultAnnotation). */
function isDefaultClass(sc: KubeObject): boolean {
  const annotations = sc.metadata.annotations ?? {};
  return annotations['storageclass.kubernetes.io/is-default-class'] === 'true' || annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

export const storageClassPrinter: TablePrinter = {
  placesName: true,
  columns: [
    nameColumn,
    column('Provisioner', 'provisioner indicates the type of the provisioner.'),
    column(
      'ReclaimPolicy',
      'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.',
    ),
    column(
      'VolumeBindingMode',
      'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.',
    ),
    column('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
    ageColumn,
  ],
  cells: (sc, now) => [
    isDefaultClass(sc) ? `${sc.metadata.name ?? ''} (default)` : (sc.metadata.name ?? ''),
    str(sc, 'provisioner'),
    str(sc, 'reclaimPolicy') || 'Delete',
    str(sc, 'volumeBindingMode') || 'Immediate',
    field(sc, 'allowVolumeExpansion') === true,
    formatAge(sc.metadata.creationTimestamp, now),
  ],
};
