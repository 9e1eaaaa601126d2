/**
 * What every cluster has from its first start: the four system namespaces, the
 * `kubernetes` Service on the first IP of the service range, (given an advertise
 * address) this apiserver among that Service's endpoints, and the default StorageClass
 * `local-path`. Idempotent, and safe when two apiservers start at once: each create that
 * loses a race finds the winner's object.
 */
import { findResourceByKind, isIPv4, type ResourceInfo } from '@skiff/api';
import { ApiError } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { RegistryContext } from './context.ts';
import { createObject } from './create.ts';
import { reconcileKubernetesEndpoints } from './kubernetes-endpoints.ts';
import { namespacesResource } from './namespace-lifecycle.ts';
import { IS_DEFAULT_CLASS_ANNOTATION, startClaimAdmission } from './strategy/persistentvolumeclaim.ts';
import { APISERVER_USER } from './handlers.ts';

export const servicesResource: ResourceInfo = {
  group: '', version: 'v1', kind: 'Service', listKind: 'ServiceList', resource: 'services', singular: 'service', namespaced: true,
  shortNames: ['svc'], categories: ['all'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status'],
};

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];


async function ensureExists(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, name: string, body: KubeObject): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.store.get(res, namespace, name);
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 404) throw err;
    }
    try {
      await createObject(ctx, res, namespace, structuredClone(body), { user: APISERVER_USER });
      ctx.logger.info({ [res.singular]: namespace ? `${namespace}/${name}` : name }, `created ${res.singular}`);
      return;
    } catch (err) {
      // AlreadyExists, or (for the Service) its IP taken by a peer that is creating it right now.
      const lostRace = err instanceof ApiError && (err.reason === 'AlreadyExists' || err.code === 422);
      if (!lostRace || attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

const storageClassesResource = findResourceByKind('storage.k8s.io/v1', 'StorageClass')!;
const configMapsResource = findResourceByKind('v1', 'ConfigMap')!;

/** Where bootstrap notes what it created once only, so that a user's deletion of it sticks. */
export const BOOTSTRAP_RECORD = { namespace: 'kube-system', name: 'skiff-bootstrap' };
const LOCAL_PATH_RECORD_KEY = 'storageclass.local-path';

/**
 * The default StorageClass, served by the local-path provisioner every agent runs: a claim
 * waits for its pod's node, then gets a directory on that node. Created once per cluster:
 * the kube-system/skiff-bootstrap ConfigMap records that it was, and while the record is
 * there a cluster whose administrator deleted `local-path`, or marked another class the
 * default, is left as they made it.
 */
export const LOCAL_PATH_STORAGE_CLASS: KubeObject = {
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { [IS_DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: 'skiff.dev/local-path',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

async function ensureDefaultStorageClassOnce(ctx: RegistryContext): Promise<void> {
  const { namespace, name } = BOOTSTRAP_RECORD;
  let record: KubeObject | undefined;
  try {
    record = await ctx.store.get(configMapsResource, namespace, name);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 404) throw err;
  }
  if ((record?.data as Record<string, string> | undefined)?.[LOCAL_PATH_RECORD_KEY]) return;
  await ensureExists(ctx, storageClassesResource, undefined, 'local-path', LOCAL_PATH_STORAGE_CLASS);
  const data = { [LOCAL_PATH_RECORD_KEY]: 'created' };
  if (record) {
    await ctx.store.guaranteedUpdate(configMapsResource, namespace, name, (cur) => ({ ...cur, data: { ...(cur.data as object | undefined), ...data } }));
  } else {
    await ensureExists(ctx, configMapsResource, namespace, name, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
  }
}

export async function bootstrapCluster(ctx: RegistryContext, advertiseAddress: string | undefined, advertisePort = 6443): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    await ensureExists(ctx, namespacesResource, undefined, name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  await ensureExists(ctx, servicesResource, 'default', 'kubernetes', {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP', clusterIP: ctx.clusterIps.firstIp, sessionAffinity: 'None',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: advertisePort }],
    },
  });
  await ensureDefaultStorageClassOnce(ctx);
  // Claims read classes and volumes from caches that must have listed before anyone creates one.
  await startClaimAdmission(ctx.store, ctx.logger);
  // An unspecified or wildcard address is no endpoint anyone could reach.
  if (advertiseAddress && isIPv4(advertiseAddress) && advertiseAddress !== '0.0.0.0') {
    await reconcileKubernetesEndpoints(ctx, advertiseAddress, advertisePort);
  } else if (advertiseAddress) {
    ctx.logger.warn({ advertiseAddress }, 'advertise address is not a routable IPv4 address: the kubernetes service gets no endpoint from this apiserver');
  }
}
