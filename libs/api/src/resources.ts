/**
 * The table of every resource Skiff serves, as Kubernetes 1.30 discovery reports them
 * (`kubectl api-resources -o wide` on a 1.30 cluster, restricted to what we implement).
 */
import { apiVersionOf, type ResourceInfo } from './resource-info.ts';

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function define(
  group: string,
  version: string,
  kind: string,
  resource: string,
  opts: Partial<Omit<ResourceInfo, 'group' | 'version' | 'kind' | 'resource'>> = {},
): ResourceInfo {
  return {
    group,
    version,
    kind,
    listKind: opts.listKind ?? `${kind}List`,
    resource,
    singular: opts.singular ?? kind.toLowerCase(),
    namespaced: opts.namespaced ?? true,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    verbs: opts.verbs ?? allVerbs,
    subresources: opts.subresources ?? [],
    ...(opts.encryptAtRest ? { encryptAtRest: true } : {}),
  };
}

export const resources: ResourceInfo[] = [
  // core/v1
  define('', 'v1', 'Binding', 'bindings', { verbs: ['create'] }),
  define('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  define('', 'v1', 'Endpoints', 'endpoints', { shortNames: ['ep'], singular: 'endpoints' }),
  define('', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
  define('', 'v1', 'LimitRange', 'limitranges', { shortNames: ['limits'] }),
  define('', 'v1', 'Namespace', 'namespaces', {
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['finalize', 'status'],
  }),
  define('', 'v1', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], subresources: ['proxy', 'status'] }),
  define('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', { shortNames: ['pvc'], subresources: ['status'] }),
  define('', 'v1', 'PersistentVolume', 'persistentvolumes', {
    namespaced: false,
    shortNames: ['pv'],
    subresources: ['status'],
  }),
  define('', 'v1', 'Pod', 'pods', {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['attach', 'binding', 'eviction', 'exec', 'log', 'portforward', 'status'],
  }),
  define('', 'v1', 'ResourceQuota', 'resourcequotas', { shortNames: ['quota'], subresources: ['status'] }),
  define('', 'v1', 'ReplicationController', 'replicationcontrollers', {
    shortNames: ['rc'],
    categories: ['all'],
    subresources: ['scale', 'status'],
  }),
  define('', 'v1', 'Secret', 'secrets', { encryptAtRest: true }),
  define('', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'], subresources: ['token'] }),
  define('', 'v1', 'Service', 'services', { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  // admissionregistration.k8s.io/v1: admission webhooks and CEL policies (issue #18).
  define('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', {
    namespaced: false,
    categories: ['api-extensions'],
  }),
  define('admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', {
    namespaced: false,
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
  define('admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', {
    namespaced: false,
    categories: ['api-extensions'],
  }),
  define('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', {
    namespaced: false,
    categories: ['api-extensions'],
  }),
  // apiextensions.k8s.io/v1: CustomResourceDefinitions; the custom resources they define are served beside this table.
  define('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', {
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
  // apiregistration.k8s.io/v1: which server answers each group/version (the aggregation layer).
  define('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', { namespaced: false, categories: ['api-extensions'], subresources: ['status'] }),
  // apps/v1
  define('apps', 'v1', 'Deployment', 'deployments', {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['scale', 'status'],
  }),
  define('apps', 'v1', 'ReplicaSet', 'replicasets', {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['scale', 'status'],
  }),
  define('apps', 'v1', 'StatefulSet', 'statefulsets', {
    shortNames: ['sts'],
    categories: ['all'],
    subresources: ['scale', 'status'],
  }),
  define('apps', 'v1', 'DaemonSet', 'daemonsets', { shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
  define('apps', 'v1', 'ControllerRevision', 'controllerrevisions'),
  // autoscaling: v2 is stored and preferred; v1 (`kubectl autoscale` of older clients) is served from the same objects.
  define('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', { shortNames: ['hpa'], categories: ['all'], subresources: ['status'] }),
  define('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', { shortNames: ['hpa'], categories: ['all'], subresources: ['status'] }),
  // batch/v1
  define('batch', 'v1', 'Job', 'jobs', { categories: ['all'], subresources: ['status'] }),
  define('batch', 'v1', 'CronJob', 'cronjobs', { shortNames: ['cj'], categories: ['all'], subresources: ['status'] }),
  // certificates.k8s.io/v1: node client certificates for `skiff join` (TLS bootstrap).
  define('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'certificatesigningrequests', {
    namespaced: false,
    shortNames: ['csr'],
    subresources: ['approval', 'status'],
  }),
  // coordination.k8s.io/v1
  define('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  // discovery.k8s.io/v1
  define('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
  // networking.k8s.io/v1: the edge (issue #17): Ingress with the built-in controller, NetworkPolicy enforced on every node.
  define('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', { namespaced: false }),
  define('networking.k8s.io', 'v1', 'Ingress', 'ingresses', { shortNames: ['ing'], subresources: ['status'] }),
  define('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', { shortNames: ['netpol'] }),
  // policy/v1: disruption budgets (the eviction subresource is pods/eviction).
  define('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', { shortNames: ['pdb'], subresources: ['status'] }),
  // rbac.authorization.k8s.io/v1
  define('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', { namespaced: false }),
  define('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', { namespaced: false }),
  define('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings'),
  define('rbac.authorization.k8s.io', 'v1', 'Role', 'roles'),
  // scheduling.k8s.io/v1
  define('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', { namespaced: false, shortNames: ['pc'] }),
  define('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', { namespaced: false, shortNames: ['sc'] }),
  // events.k8s.io/v1: the same objects as core/v1 events, seen through the newer schema.
  define('events.k8s.io', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
];

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return resources.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** `findResourceByKind('apps/v1', 'Deployment')`; 'v1' means the core group. */
export function findResourceByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return resources.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

/** Every group/version we serve, each once, in table order (core first): all are preferred. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Set<string>();
  const out: { group: string; version: string }[] = [];
  for (const r of resources) {
    const key = apiVersionOf(r);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ group: r.group, version: r.version });
  }
  return out;
}

/** 'deployments.apps', 'pods': how Kubernetes names a resource in error messages. */
export function qualifiedResource(res: Pick<ResourceInfo, 'group' | 'resource'>): string {
  return res.group ? `${res.resource}.${res.group}` : res.resource;
}

/** Resources whose names are looked up by `kubectl get <shortName>` style aliases. */
export function findResourceByName(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  return resources.find((r) => r.resource === lower || r.singular === lower || r.shortNames.includes(lower) || r.kind.toLowerCase() === lower);
}
