/**
 * ServiceAccount admission (upstream's plugin/pkg/admission/serviceaccount), mutating, on pod
 * CREATE: every pod runs as a ServiceAccount (`default` unless it names one), which must exist,
 * and gets that account's API credentials as the projected `kube-api-access-<suffix>` volume —
 * a bound token, the cluster CA (kube-root-ca.crt) and its namespace — mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount in each container that does not mount that
 * path already, unless automountServiceAccountToken (the pod's, else the account's) is false.
 * The account's imagePullSecrets are copied to a pod that lists none. Mirror pods (static pods
 * the kubelet reports) are left alone.
 */
import { findResourceByKind } from '@skiff/api';
import { errors } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import { isAlreadyExists } from '../range-allocator.ts';
import type { RegistryContext } from '../context.ts';
import { randomNameSuffix } from '../object-helpers.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';
import { APISERVER_USER } from '../handlers.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** The projected token's lifetime: 3607 s, which upstream's kubelet asks for (and the apiserver may extend). */
export const PROJECTED_TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

const serviceAccountsResource = findResourceByKind('v1', 'ServiceAccount')!;

/** The apiserver's own identity, for the default account it creates on a pod's behalf. */

interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
interface Container {
  name?: string;
  volumeMounts?: VolumeMount[];
}
interface PodSpec {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name: string }[];
  containers?: Container[];
  initContainers?: Container[];
  imagePullSecrets?: { name: string }[];
}
interface ServiceAccount extends KubeObject {
  automountServiceAccountToken?: boolean;
  imagePullSecrets?: { name: string }[];
}

/** The projected volume exactly as upstream's plugin writes it. */
export function serviceAccountVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: PROJECTED_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  };
}

/** The pod's own setting wins; else the account's; else mount. */
export function shouldAutomount(sa: ServiceAccount, spec: PodSpec): boolean {
  if (spec.automountServiceAccountToken !== undefined) return spec.automountServiceAccountToken;
  if (sa.automountServiceAccountToken !== undefined) return sa.automountServiceAccountToken;
  return true;
}

/**
 * Adds the mount to every container lacking one at the path, and the volume if any container
 * needed it. A volume already named kube-api-access-* is reused (a pod created from another
 * pod's spec keeps its volume).
 */
export function mountServiceAccountToken(spec: PodSpec, suffix: () => string = randomNameSuffix): void {
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX));
  const volumeName = existing?.name ?? SERVICE_ACCOUNT_VOLUME_PREFIX + suffix();
  let needsVolume = false;
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if ((container.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
    container.volumeMounts = [...(container.volumeMounts ?? []), { name: volumeName, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
    needsVolume = true;
  }
  if (!existing && needsVolume) spec.volumes = [...(spec.volumes ?? []), serviceAccountVolume(volumeName) as { name: string }];
}

/**
 * The account, from the watched collection, else live (it may have been created a moment ago,
 * as upstream's plugin also falls back to a live read).
 */
async function getServiceAccount(ctx: RegistryContext, namespace: string, name: string): Promise<ServiceAccount | undefined> {
  const collection = ctx.watched.of(serviceAccountsResource);
  if (!collection.isSynced) await collection.synced;
  const cached = collection.get(namespace, name);
  if (cached) return cached as ServiceAccount;
  return ctx.store.get(serviceAccountsResource, namespace, name).then(
    (sa) => sa as ServiceAccount,
    (err: unknown) => {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    },
  );
}

/**
 * Skiff's choice for the race at namespace creation: a pod created before the serviceaccount
 * controller made the namespace's `default` account would be refused upstream ("retry later");
 * here the apiserver creates the account itself (as it would be created a moment later anyway).
 */
async function createDefaultServiceAccount(ctx: RegistryContext, namespace: string): Promise<ServiceAccount> {
  // Loaded lazily: create.ts runs the admission chain, which lists this plugin.
  const { createObject } = await import('../create.ts');
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } };
  try {
    return (await createObject(ctx, serviceAccountsResource, namespace, sa, { user: APISERVER_USER })).object as ServiceAccount;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return ctx.store.get(serviceAccountsResource, namespace, DEFAULT_SERVICE_ACCOUNT) as Promise<ServiceAccount>;
  }
}

async function admitPod(ctx: RegistryContext, attrs: AdmissionAttributes): Promise<void> {
  const pod = attrs.object;
  if (!pod || pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
  const namespace = attrs.namespace ?? pod.metadata.namespace ?? 'default';
  const spec = ((pod as { spec?: PodSpec }).spec ??= {});
  // The deprecated serviceAccount field is an alias: either one names the account.
  spec.serviceAccountName ||= spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
  spec.serviceAccount = spec.serviceAccountName;
  const name = spec.serviceAccountName;
  let sa = await getServiceAccount(ctx, namespace, name);
  if (!sa && name === DEFAULT_SERVICE_ACCOUNT && !attrs.dryRun) sa = await createDefaultServiceAccount(ctx, namespace);
  else if (!sa && name === DEFAULT_SERVICE_ACCOUNT) sa = { metadata: { name, namespace } };
  if (!sa) {
    throw errors.forbidden(
      { group: '', resource: 'pods' },
      attrs.name,
      `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`,
    );
  }
  if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec);
  if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) spec.imagePullSecrets = sa.imagePullSecrets.map((s) => ({ name: s.name }));
}

export const serviceAccountAdmission: AdmissionPlugin = {
  name: 'ServiceAccount',
  async admit(ctx, attrs) {
    if (attrs.operation !== 'CREATE' || attrs.subresource !== '' || attrs.res.group !== '' || attrs.res.resource !== 'pods') return;
    await admitPod(ctx, attrs);
  },
};
