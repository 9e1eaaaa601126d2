/**
 * Which Kubernetes kinds have schemas, how a group/version/kind maps to a client-node
 * model class, and how a model class is named in an OpenAPI document
 * ('V1PodSpec' → 'io.k8s.api.core.v1.PodSpec').
 */
import { hasModel } from './model-catalog.ts';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/**
 * Every built-in kind we publish schemas for: a superset of what Skiff serves today,
 * so a kind added to the resource table later already has its definition.
 */
export const builtinKinds: readonly GroupVersionKind[] = [
  ...kindsOf('', 'v1', [
    'Binding',
    'ConfigMap',
    'Endpoints',
    'Event',
    'LimitRange',
    'Namespace',
    'Node',
    'PersistentVolume',
    'PersistentVolumeClaim',
    'Pod',
    'PodTemplate',
    'ReplicationController',
    'ResourceQuota',
    'Secret',
    'Service',
    'ServiceAccount',
  ]),
  ...kindsOf('admissionregistration.k8s.io', 'v1', [
    'MutatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'ValidatingWebhookConfiguration',
  ]),
  ...kindsOf('apiextensions.k8s.io', 'v1', ['CustomResourceDefinition']),
  ...kindsOf('apiregistration.k8s.io', 'v1', ['APIService']),
  ...kindsOf('apps', 'v1', ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet']),
  ...kindsOf('autoscaling', 'v1', ['HorizontalPodAutoscaler', 'Scale']),
  ...kindsOf('autoscaling', 'v2', ['HorizontalPodAutoscaler']),
  ...kindsOf('batch', 'v1', ['CronJob', 'Job']),
  ...kindsOf('coordination.k8s.io', 'v1', ['Lease']),
  ...kindsOf('discovery.k8s.io', 'v1', ['EndpointSlice']),
  ...kindsOf('events.k8s.io', 'v1', ['Event']),
  ...kindsOf('networking.k8s.io', 'v1', ['Ingress', 'IngressClass', 'NetworkPolicy']),
  ...kindsOf('node.k8s.io', 'v1', ['RuntimeClass']),
  ...kindsOf('policy', 'v1', ['Eviction', 'PodDisruptionBudget']),
  ...kindsOf('rbac.authorization.k8s.io', 'v1', ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']),
  ...kindsOf('scheduling.k8s.io', 'v1', ['PriorityClass']),
  ...kindsOf('storage.k8s.io', 'v1', ['StorageClass']),
  ...kindsOf('authentication.k8s.io', 'v1', ['TokenReview']),
  ...kindsOf('authorization.k8s.io', 'v1', ['SelfSubjectAccessReview', 'SubjectAccessReview']),
  ...kindsOf('certificates.k8s.io', 'v1', ['CertificateSigningRequest']),
];

function kindsOf(group: string, version: string, kinds: string[]): GroupVersionKind[] {
  return kinds.map((kind) => ({ group, version, kind }));
}

/** Groups whose types client-node models; a kind of any other group is not ours to judge. */
const knownGroups = new Set([
  ...builtinKinds.map((gvk) => gvk.group),
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io',
  'storagemigration.k8s.io',
  'internal.apiserver.k8s.io',
  'meta.k8s.io',
]);

/** 'apps/v1' → { group: 'apps', version: 'v1' }; 'v1' → core. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * The client-node class for a kind: 'V1Deployment', or, where two groups share a kind
 * name within one version, the group-qualified 'CoreV1Event' / 'EventsV1Event'.
 */
export function findModelName(gvk: GroupVersionKind): string | undefined {
  if (!knownGroups.has(gvk.group) || !/^v\d+((alpha|beta)\d+)?$/.test(gvk.version)) return undefined;
  const version = capitalize(gvk.version);
  const qualified = `${capitalize(packageOf(gvk.group))}${version}${gvk.kind}`;
  if (hasModel(qualified)) return qualified;
  const plain = `${version}${gvk.kind}`;
  return hasModel(plain) ? plain : undefined;
}

/** 'rbac.authorization.k8s.io' → 'rbac'; '' → 'core'. */
export function packageOf(group: string): string {
  return group === '' ? 'core' : group.split('.')[0];
}

/** Definition-name prefix of an API group's package, as Kubernetes' own document spells it. */
export function definitionPrefix(group: string, version: string): string {
  switch (group) {
    case 'apiextensions.k8s.io':
      return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
    case 'apiregistration.k8s.io':
      return `io.k8s.kube-aggregator.pkg.apis.apiregistration.${version}`;
    default:
      return `io.k8s.api.${packageOf(group)}.${version}`;
  }
}

export const metaPrefix = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Types of apimachinery's meta/v1, whatever group first reaches them. */
const metaTypes = new Set([
  'APIGroup',
  'APIGroupList',
  'APIResource',
  'APIResourceList',
  'APIVersions',
  'Condition',
  'DeleteOptions',
  'FieldSelectorRequirement',
  'GroupVersionForDiscovery',
  'LabelSelector',
  'LabelSelectorRequirement',
  'ListMeta',
  'ManagedFieldsEntry',
  'ObjectMeta',
  'OwnerReference',
  'Preconditions',
  'ServerAddressByClientCIDR',
  'Status',
  'StatusCause',
  'StatusDetails',
  'WatchEvent',
]);

/** 'V1PodSpec' → { version: 'v1', shortName: 'PodSpec' }; 'CoreV1Event' → Event. */
export function splitModelName(modelName: string): { version: string; shortName: string } {
  const match = /^(?:[A-Z][a-z]+)?(V\d+(?:(?:alpha|beta)\d+)?)([A-Z].*)$/.exec(modelName);
  if (!match) return { version: 'v1', shortName: modelName };
  return { version: match[1].toLowerCase(), shortName: match[2] };
}

/**
 * Definition name for a model reached from a kind of `ownerGroup`. Client-node does not
 * record a type's Go package, so a nested type takes the group of the first kind that
 * reaches it; callers visit core kinds first, so PodSpec stays core even when a
 * Deployment is visited alone.
 */
export function definitionNameFor(modelName: string, ownerGroup: string): string {
  const { version, shortName } = splitModelName(modelName);
  if (metaTypes.has(shortName) && version === 'v1') return `${metaPrefix}.${shortName}`;
  return `${definitionPrefix(ownerGroup, version)}.${shortName}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
