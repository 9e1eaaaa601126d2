/** Describers for StorageClass, PersistentVolumeClaim and PersistentVolume, in kubectl's layout. */
import type { DescribeEnv } from './describer.ts';
import { formatMap, goList, LAST_APPLIED, type Lines, type Obj } from './lines.ts';

const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
const BETA_CLASS = 'volume.beta.kubernetes.io/storage-class';

/** kubectl's GetAccessModesAsString: RWO,ROX,RWX,RWOP in that order, each once. */
export function accessModesText(modes: string[] | undefined): string {
  const short: [string, string][] = [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ];
  return short
    .filter(([mode]) => modes?.includes(mode))
    .map(([, s]) => s)
    .join(',');
}

export function describeStorageClass(w: Lines, o: Obj): void {
  const annotations = o.metadata?.annotations ?? {};
  w.field(0, 'Name', o.metadata?.name);
  w.field(0, 'IsDefaultClass', annotations[DEFAULT_CLASS] === 'true' || annotations[BETA_DEFAULT_CLASS] === 'true' ? 'Yes' : 'No');
  const shown = Object.fromEntries(Object.entries(annotations as Record<string, string>).filter(([k]) => k !== LAST_APPLIED));
  w.field(0, 'Annotations', formatMap(shown));
  w.field(0, 'Provisioner', o.provisioner);
  w.field(0, 'Parameters', formatMap(o.parameters));
  w.field(0, 'AllowVolumeExpansion', o.allowVolumeExpansion === undefined ? '<unset>' : String(o.allowVolumeExpansion));
  if (!o.mountOptions?.length) {
    w.field(0, 'MountOptions', '<none>');
  } else {
    w.add(0, 'MountOptions:');
    for (const option of o.mountOptions as string[]) w.add(1, option);
  }
  if (o.reclaimPolicy) w.field(0, 'ReclaimPolicy', o.reclaimPolicy);
  if (o.volumeBindingMode) w.field(0, 'VolumeBindingMode', o.volumeBindingMode);
}

function terminatingOr(o: Obj, phase: string | undefined): string {
  return o.metadata?.deletionTimestamp ? 'Terminating' : (phase ?? '');
}

export async function describePersistentVolumeClaim(w: Lines, o: Obj, env: DescribeEnv): Promise<void> {
  w.field(0, 'Name', o.metadata?.name).field(0, 'Namespace', o.metadata?.namespace);
  w.add(0, `StorageClass:\t${o.spec?.storageClassName ?? o.metadata?.annotations?.[BETA_CLASS] ?? ''}`);
  w.add(0, `Status:\t${terminatingOr(o, o.status?.phase)}`);
  w.add(0, `Volume:\t${o.spec?.volumeName ?? ''}`);
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  w.add(0, `Finalizers:\t${goList(o.metadata?.finalizers)}`);
  // As kubectl: capacity and modes are the bound volume's, so empty until the claim is bound.
  const bound = Boolean(o.spec?.volumeName);
  w.add(0, `Capacity:\t${bound ? (o.status?.capacity?.storage ?? '') : ''}`);
  w.add(0, `Access Modes:\t${bound ? accessModesText(o.status?.accessModes) : ''}`);
  if (o.spec?.volumeMode) w.field(0, 'VolumeMode', o.spec.volumeMode);
  const users = await env.podsUsingClaim(o.metadata?.namespace ?? '', o.metadata?.name ?? '');
  w.field(0, 'Used By', users.map((p) => p.metadata?.name).join('\n'));
}

function describeVolumeSource(w: Lines, spec: Obj): void {
  w.add(0, 'Source:');
  if (spec.hostPath) {
    w.add(2, 'Type:\tHostPath (bare host directory volume)')
      .add(2, `Path:\t${spec.hostPath.path}`)
      .add(2, `HostPathType:\t${spec.hostPath.type ?? ''}`);
  } else if (spec.local) {
    w.add(2, 'Type:\tLocalVolume (a persistent volume backed by local storage on a node)').add(2, `Path:\t${spec.local.path}`);
  } else if (spec.nfs) {
    w.add(2, 'Type:\tNFS (an NFS mount that lasts the lifetime of a pod)')
      .add(2, `Server:\t${spec.nfs.server}`)
      .add(2, `Path:\t${spec.nfs.path}`)
      .add(2, `ReadOnly:\t${spec.nfs.readOnly === true}`);
  } else if (spec.csi) {
    w.add(2, 'Type:\tCSI (a Container Storage Interface (CSI) volume source)')
      .add(2, `Driver:\t${spec.csi.driver}`)
      .add(2, `VolumeHandle:\t${spec.csi.volumeHandle}`);
  }
}

function describeNodeAffinity(w: Lines, affinity: Obj | undefined): void {
  const terms = (affinity?.required?.nodeSelectorTerms ?? []) as Obj[];
  if (!terms.length) {
    w.add(0, 'Node Affinity:\t<none>');
    return;
  }
  w.add(0, 'Node Affinity:');
  w.add(1, 'Required Terms:');
  for (const term of terms) {
    const exprs = ((term.matchExpressions ?? []) as Obj[]).map((e) => `${e.key} ${String(e.operator).toLowerCase()} [${(e.values ?? []).join(' ')}]`);
    w.add(2, `Term ${terms.indexOf(term)}:\t${exprs.join('\n')}`);
  }
}

export function describePersistentVolume(w: Lines, o: Obj): void {
  const spec = o.spec ?? {};
  w.field(0, 'Name', o.metadata?.name);
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  w.add(0, `Finalizers:\t${goList(o.metadata?.finalizers)}`);
  w.add(0, `StorageClass:\t${spec.storageClassName ?? o.metadata?.annotations?.[BETA_CLASS] ?? ''}`);
  w.add(0, `Status:\t${terminatingOr(o, o.status?.phase)}`);
  w.add(0, `Claim:\t${spec.claimRef ? `${spec.claimRef.namespace}/${spec.claimRef.name}` : ''}`);
  w.add(0, `Reclaim Policy:\t${spec.persistentVolumeReclaimPolicy ?? ''}`);
  w.add(0, `Access Modes:\t${accessModesText(spec.accessModes)}`);
  if (spec.volumeMode) w.field(0, 'VolumeMode', spec.volumeMode);
  w.add(0, `Capacity:\t${spec.capacity?.storage ?? '0'}`);
  describeNodeAffinity(w, spec.nodeAffinity);
  w.add(0, `Message:\t${o.status?.message ?? ''}`);
  describeVolumeSource(w, spec);
}
