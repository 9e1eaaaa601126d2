/**
 * What every cluster has from its first start: the four system namespaces, the
 * `kubernetes` Service on the first IP of the service range, (given an advertise
 * address) this apiserver among that Service's endpoints, the built-in PriorityClasses
 * `system-node-critical` and `system-cluster-critical`, the default StorageClass
 * `local-path` and the default IngressClass `skiff`. Idempotent, and safe when two
 * apiservers start at once: each create that loses a race finds the winner's object.
 */
import { findResourceByKind, isIPv4, SYSTEM_PRIORITY_CLASSES, type ResourceInfo } from '@skiff/api';
import { ApiError } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { RegistryContext } from './context.ts';
import { createObject } from './create.ts';
import { reconcileKubernetesEndpoints } from './kubernetes-endpoints.ts';
import { namespacesResource } from './namespace-lifecycle.ts';
import { IS_DEFAULT_CLASS_ANNOTATION, startClaimAdmission } from './strategy/persistentvolumeclaim.ts';
import { APISERVER_USER } from './handlers.ts';
import { IS_DEFAULT_INGRESS_CLASS_ANNOTATION } from './admission/default-ingress-class.ts';
import { priorityClassesResource } from './admission/priority.ts';

export const servicesResource: ResourceInfo = {
  group: '',
  version: 'v1',
  kind: 'Service',
  listKind: 'ServiceList',
  resource: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
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
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path', annotations: { [IS_DEFAULT_CLASS_ANNOTATION]: 'true' } },
  provisioner: 'skiff.dev/local-path',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

const ingressClassesResource = findResourceByKind('networking.k8s.io/v1', 'IngressClass')!;
const SKIFF_INGRESS_CLASS_RECORD_KEY = 'ingressclass.skiff';

/**
 * The default IngressClass, served by the ingress controller every agent runs, so an Ingress
 * that names no class is served (DefaultIngressClass admission gives it this one). Created once
 * per cluster, as `local-path` is.
 */
export const SKIFF_INGRESS_CLASS: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'skiff', annotations: { [IS_DEFAULT_INGRESS_CLASS_ANNOTATION]: 'true' } },
  spec: { controller: 'skiff.dev/ingress' },
};

/**
 * Creates a cluster-scoped object the first time only: the kube-system/skiff-bootstrap
 * ConfigMap records under `recordKey` that it was, and while the record is there a cluster
 * whose administrator deleted or replaced it is left as they made it.
 */
async function ensureCreatedOnce(ctx: RegistryContext, res: ResourceInfo, recordKey: string, body: KubeObject): Promise<void> {
  const { namespace, name } = BOOTSTRAP_RECORD;
  let record: KubeObject | undefined;
  try {
    record = await ctx.store.get(configMapsResource, namespace, name);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 404) throw err;
  }
  if ((record?.data as Record<string, string> | undefined)?.[recordKey]) return;
  await ensureExists(ctx, res, undefined, body.metadata.name!, body);
  const data = { [recordKey]: 'created' };
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
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: ctx.clusterIps.firstIp,
      sessionAffinity: 'None',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: advertisePort }],
    },
  });
  // Ensured at every start, as kube-apiserver's post-start hook does; they cannot be deleted.
  for (const pc of SYSTEM_PRIORITY_CLASSES) await ensureExists(ctx, priorityClassesResource, undefined, pc.metadata!.name!, pc as unknown as KubeObject);
  await ensureCreatedOnce(ctx, storageClassesResource, LOCAL_PATH_RECORD_KEY, LOCAL_PATH_STORAGE_CLASS);
  await ensureCreatedOnce(ctx, ingressClassesResource, SKIFF_INGRESS_CLASS_RECORD_KEY, SKIFF_INGRESS_CLASS);
  // Claims read classes and volumes from caches that must have listed before anyone creates one.
  await startClaimAdmission(ctx.store, ctx.logger);
  // An unspecified or wildcard address is no endpoint anyone could reach.
  if (advertiseAddress && isIPv4(advertiseAddress) && advertiseAddress !== '0.0.0.0') {
    await reconcileKubernetesEndpoints(ctx, advertiseAddress, advertisePort);
  } else if (advertiseAddress) {
    ctx.logger.warn({ advertiseAddress }, 'advertise address is not a routable IPv4 address: the kubernetes service gets no endpoint from this apiserver');
  }
}
