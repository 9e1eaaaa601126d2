/**
 * The API objects a pod names, as upstream's podutil.VisitPodSecretNames / VisitPodConfigmapNames
 * and the Node authorizer's graph read them: what a kubelet must fetch to run the pod. The Node
 * authorizer lets a node read exactly these; NodeRestriction refuses mirror pods that name any.
 * Pure; all names are in the pod's namespace.
 */
import type { PersistentVolume, Pod, Volume } from '@skiff/api';

export interface PodReferences {
  secrets: Set<string>;
  configMaps: Set<string>;
  /** Claims: `persistentVolumeClaim.claimName`, and `<pod>-<volume>` for generic ephemeral volumes. */
  claims: Set<string>;
  /** spec.serviceAccountName, when set. */
  serviceAccount?: string;
}

interface EnvSource {
  env?: { valueFrom?: { secretKeyRef?: { name?: string }; configMapKeyRef?: { name?: string } } }[];
  envFrom?: { secretRef?: { name?: string }; configMapRef?: { name?: string } }[];
}

function addName(set: Set<string>, name: string | undefined): void {
  if (name) set.add(name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Secrets named by a volume plugin's credentials: `secretRef` (cephfs, cinder, flexVolume,
 * rbd, scaleIO, iscsi, storageos), `nodePublishSecretRef` (csi), `azureFile.secretName`.
 */
function addPluginSecrets(volume: Volume, secrets: Set<string>): void {
  for (const [plugin, source] of Object.entries(volume)) {
    if (plugin === 'name' || plugin === 'secret' || plugin === 'projected' || !isRecord(source)) continue;
    for (const field of ['secretRef', 'nodePublishSecretRef']) {
      const ref = source[field];
      if (isRecord(ref) && typeof ref.name === 'string') addName(secrets, ref.name);
    }
    if (plugin === 'azureFile' && typeof source.secretName === 'string') addName(secrets, source.secretName);
  }
}

function addVolume(podName: string, volume: Volume, refs: PodReferences): void {
  addName(refs.secrets, volume.secret?.secretName);
  addName(refs.configMaps, volume.configMap?.name);
  for (const source of volume.projected?.sources ?? []) {
    addName(refs.secrets, source.secret?.name);
    addName(refs.configMaps, source.configMap?.name);
  }
  addName(refs.claims, volume.persistentVolumeClaim?.claimName);
  if (volume.ephemeral) refs.claims.add(`${podName}-${volume.name}`);
  addPluginSecrets(volume, refs.secrets);
}

function addContainer(container: EnvSource, refs: PodReferences): void {
  for (const env of container.env ?? []) {
    addName(refs.secrets, env.valueFrom?.secretKeyRef?.name);
    addName(refs.configMaps, env.valueFrom?.configMapKeyRef?.name);
  }
  for (const from of container.envFrom ?? []) {
    addName(refs.secrets, from.secretRef?.name);
    addName(refs.configMaps, from.configMapRef?.name);
  }
}

export function podReferences(pod: Pod): PodReferences {
  const refs: PodReferences = { secrets: new Set(), configMaps: new Set(), claims: new Set() };
  const spec = pod.spec;
  if (!spec) return refs;
  if (spec.serviceAccountName) refs.serviceAccount = spec.serviceAccountName;
  for (const pull of spec.imagePullSecrets ?? []) addName(refs.secrets, pull.name);
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]) addContainer(container, refs);
  for (const volume of spec.volumes ?? []) addVolume(pod.metadata?.name ?? '', volume, refs);
  return refs;
}

/**
 * Secrets a PersistentVolume's plugin names (`namespace/name` keys), as upstream's
 * VisitPVSecretNames: any `*SecretRef` / `secretRef` of its source (csi's five among them),
 * and azureFile's secretName; a reference without a namespace means the claim's namespace.
 */
export function persistentVolumeSecrets(pv: PersistentVolume): string[] {
  const keys: string[] = [];
  const spec = pv.spec as Record<string, unknown> | undefined;
  if (!spec) return keys;
  const claimNamespace = pv.spec?.claimRef?.namespace ?? 'default';
  for (const source of Object.values(spec)) {
    if (!isRecord(source)) continue;
    for (const [field, ref] of Object.entries(source)) {
      if ((field === 'secretRef' || field.endsWith('SecretRef')) && isRecord(ref) && typeof ref.name === 'string' && ref.name) {
        keys.push(`${typeof ref.namespace === 'string' && ref.namespace ? ref.namespace : claimNamespace}/${ref.name}`);
      }
    }
    if (typeof source.secretName === 'string' && source.secretName && 'shareName' in source) {
      const ns = typeof source.secretNamespace === 'string' && source.secretNamespace ? source.secretNamespace : claimNamespace;
      keys.push(`${ns}/${source.secretName}`);
    }
  }
  return keys;
}
