/**
 * What each kind charges to a quota, as upstream's pkg/quota/v1/evaluator/core: pods (count,
 * requests and limits of cpu, memory, ephemeral-storage; terminal pods charge nothing), services
 * (count, node ports, load balancers), persistent volume claims (count and storage, overall and
 * per storage class), and any other kind by `count/<resource>.<group>` (and the legacy names for
 * secrets, configmaps, replicationcontrollers, resourcequotas).
 */
import type { Pod, PersistentVolumeClaim, Service } from '../types.ts';
import { addLists, quantity, type ResourceList } from './resources.ts';

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

type Containers = NonNullable<Pod['spec']>['containers'];

/** The pod's effective requests/limits: sum of its containers, at least the largest init container, plus overhead. */
export function podResources(pod: Pod, kind: 'requests' | 'limits'): ResourceList {
  const sum = (containers: Containers | undefined) =>
    (containers ?? []).reduce<ResourceList>((acc, c) => addLists(acc, (c.resources?.[kind] ?? {}) as ResourceList), {});
  const total = sum(pod.spec?.containers);
  for (const init of pod.spec?.initContainers ?? []) {
    for (const [k, v] of Object.entries((init.resources?.[kind] ?? {}) as ResourceList)) {
      if (!(k in total) || quantity(v).cmp(quantity(total[k])) > 0) total[k] = quantity(v).toString();
    }
  }
  return pod.spec?.overhead ? addLists(total, pod.spec.overhead as ResourceList) : total;
}

/** A pod that succeeded or failed no longer holds its resources. */
export function isTerminalPod(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function isBestEffort(pod: Pod): boolean {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return all.every((c) => ['cpu', 'memory'].every((r) => !c.resources?.requests?.[r] && !c.resources?.limits?.[r]));
}

export function isTerminating(pod: Pod): boolean {
  return pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds !== null && pod.spec.activeDeadlineSeconds >= 0;
}

function podUsage(pod: Pod): ResourceList {
  if (isTerminalPod(pod)) return {};
  const usage: ResourceList = { pods: '1', 'count/pods': '1' };
  const requests = podResources(pod, 'requests');
  const limits = podResources(pod, 'limits');
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[r] !== undefined) {
      usage[`requests.${r}`] = requests[r];
      usage[r] = requests[r];
    }
    if (limits[r] !== undefined) usage[`limits.${r}`] = limits[r];
  }
  return usage;
}

function serviceUsage(svc: Service): ResourceList {
  const usage: ResourceList = { services: '1', 'count/services': '1' };
  const type = svc.spec?.type ?? 'ClusterIP';
  const ports = svc.spec?.ports?.length ?? 0;
  if (type === 'NodePort') usage['services.nodeports'] = String(ports);
  if (type === 'LoadBalancer') {
    usage['services.loadbalancers'] = '1';
    if (svc.spec?.allocateLoadBalancerNodePorts !== false) usage['services.nodeports'] = String(ports);
  }
  return usage;
}

function pvcUsage(pvc: PersistentVolumeClaim): ResourceList {
  const usage: ResourceList = { persistentvolumeclaims: '1', 'count/persistentvolumeclaims': '1' };
  const storage = pvc.spec?.resources?.requests?.storage;
  const className = pvc.spec?.storageClassName ?? pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (className) usage[`${className}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = '1';
  if (storage !== undefined) {
    usage['requests.storage'] = String(storage);
    if (className) usage[`${className}${STORAGE_CLASS_SUFFIX}requests.storage`] = String(storage);
  }
  return usage;
}

const legacyCountNames: Record<string, string> = {
  secrets: 'secrets',
  configmaps: 'configmaps',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** What one object of `group/resource` charges. */
export function usageOf(group: string, resource: string, obj: unknown): ResourceList {
  if (group === '') {
    if (resource === 'pods') return podUsage(obj as Pod);
    if (resource === 'services') return serviceUsage(obj as Service);
    if (resource === 'persistentvolumeclaims') return pvcUsage(obj as PersistentVolumeClaim);
  }
  const usage: ResourceList = { [group === '' ? `count/${resource}` : `count/${resource}.${group}`]: '1' };
  if (group === '' && legacyCountNames[resource]) usage[legacyCountNames[resource]] = '1';
  return usage;
}

/** Whether a quota resource name is charged by objects of `group/resource` (so the quota must be checked for them). */
export function quotaResourceMatches(group: string, resource: string, name: string): boolean {
  if (name === (group === '' ? `count/${resource}` : `count/${resource}.${group}`)) return true;
  if (group !== '') return false;
  if (resource === 'pods') return name === 'pods' || /^(requests\.|limits\.)?(cpu|memory|ephemeral-storage)$/.test(name);
  if (resource === 'services') return name === 'services' || name === 'services.nodeports' || name === 'services.loadbalancers';
  if (resource === 'persistentvolumeclaims') return name === 'persistentvolumeclaims' || name === 'requests.storage' || name.includes(STORAGE_CLASS_SUFFIX);
  return legacyCountNames[resource] === name;
}

/** The kinds a quota resource name counts, as group/resource (for the controller's recount). */
export function kindOfQuotaResource(name: string): { group: string; resource: string } | undefined {
  const count = /^count\/([^.]+)(?:\.(.+))?$/.exec(name);
  if (count) return { group: count[2] ?? '', resource: count[1] };
  if (name === 'pods' || /^(requests\.|limits\.)?(cpu|memory|ephemeral-storage)$/.test(name)) return { group: '', resource: 'pods' };
  if (name.startsWith('services')) return { group: '', resource: 'services' };
  if (name === 'persistentvolumeclaims' || name === 'requests.storage' || name.includes(STORAGE_CLASS_SUFFIX))
    return { group: '', resource: 'persistentvolumeclaims' };
  if (legacyCountNames[name]) return { group: '', resource: name };
  return undefined;
}
