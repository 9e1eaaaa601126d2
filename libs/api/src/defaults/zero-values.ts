/**
 * Fields Kubernetes always serialises, zero or not: Go struct fields without `omitempty`
 * (`ReplicaSetStatus.Replicas` is `json:"replicas"`) and struct-typed fields, which
 * `omitempty` never drops (`NodeStatus.NodeInfo`). Typed clients rely on them: the
 * Python client refuses a whole ReplicationController whose `status.replicas` is
 * missing ("must not be `None`"). They are filled on every write, with the defaults, so
 * objects leave the apiserver as a kube-apiserver would write them.
 *
 * A path is dot-separated; `[]` walks every element of an array that is there (arrays are
 * never created); missing objects on the way are created, as Go's zero structs are.
 */

type ZeroFields = Record<string, unknown>;

/** The fields of a v1.ContainerStatus that have no omitempty. */
function containerStatusFields(list: string): ZeroFields {
  return {
    [`${list}[].name`]: '',
    [`${list}[].state`]: {},
    [`${list}[].lastState`]: {},
    [`${list}[].ready`]: false,
    [`${list}[].restartCount`]: 0,
    [`${list}[].image`]: '',
    [`${list}[].imageID`]: '',
  };
}

const nodeInfoFields = [
  'machineID',
  'systemUUID',
  'bootID',
  'kernelVersion',
  'osImage',
  'containerRuntimeVersion',
  'kubeletVersion',
  'kubeProxyVersion',
  'operatingSystem',
  'architecture',
];

/** By `<group>/<Kind>`. */
const alwaysSerialized: Record<string, ZeroFields> = {
  '/Pod': {
    spec: {},
    status: {},
    ...containerStatusFields('status.initContainerStatuses'),
    ...containerStatusFields('status.containerStatuses'),
    ...containerStatusFields('status.ephemeralContainerStatuses'),
  },
  '/ReplicationController': { spec: {}, 'status.replicas': 0 },
  'apps/ReplicaSet': { spec: {}, 'status.replicas': 0 },
  // DeploymentStatus's counts are all omitempty; the struct itself still appears.
  'apps/Deployment': { spec: {}, status: {} },
  // StatefulSetSpec.serviceName has no omitempty in 1.30; StatefulSetStatus.replicas and availableReplicas neither.
  'apps/StatefulSet': {
    'spec.template': {},
    'spec.updateStrategy': {},
    'spec.serviceName': '',
    'status.replicas': 0,
    'status.availableReplicas': 0,
  },
  'apps/DaemonSet': {
    'spec.template': {},
    'spec.updateStrategy': {},
    'status.currentNumberScheduled': 0,
    'status.numberMisscheduled': 0,
    'status.desiredNumberScheduled': 0,
    'status.numberReady': 0,
  },
  'apps/ControllerRevision': { revision: 0 },
  'batch/Job': { 'spec.template': {}, status: {} },
  'batch/CronJob': { 'spec.jobTemplate': {}, status: {} },
  'storage.k8s.io/StorageClass': { provisioner: '' },
  '/Service': { spec: {}, 'status.loadBalancer': {} },
  '/Node': {
    spec: {},
    ...Object.fromEntries(nodeInfoFields.map((f) => [`status.nodeInfo.${f}`, ''])),
    'status.daemonEndpoints.kubeletEndpoint.Port': 0,
  },
  '/Namespace': { spec: {}, status: {} },
  '/PersistentVolume': { spec: {}, status: {} },
  '/PersistentVolumeClaim': { spec: {}, status: {} },
  'discovery.k8s.io/EndpointSlice': { endpoints: [], 'endpoints[].conditions': {} },
  '/Event': { involvedObject: {}, source: {}, reportingComponent: '', reportingInstance: '' },
  // Struct fields: omitempty never drops them, so events.k8s.io/v1 writes them even when empty.
  'events.k8s.io/Event': { regarding: {}, deprecatedSource: {} },
  'coordination.k8s.io/Lease': { spec: {} },
  'certificates.k8s.io/CertificateSigningRequest': { spec: {}, status: {} },
  // IngressStatus.loadBalancer and NetworkPolicySpec.podSelector are structs (podSelector without omitempty).
  'networking.k8s.io/Ingress': { spec: {}, 'status.loadBalancer': {} },
  'networking.k8s.io/IngressClass': { spec: {} },
  'networking.k8s.io/NetworkPolicy': { 'spec.podSelector': {} },
};

function fill(node: unknown, path: string[], value: unknown): void {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const obj = node as Record<string, unknown>;
  const [head, ...rest] = path as [string, ...string[]];
  const walksArray = head.endsWith('[]');
  const key = walksArray ? head.slice(0, -2) : head;
  if (walksArray) {
    const items = obj[key];
    if (Array.isArray(items)) for (const item of items) fill(item, rest, value);
    return;
  }
  if (rest.length === 0) {
    if (obj[key] === undefined || obj[key] === null) obj[key] = structuredClone(value);
    return;
  }
  if (obj[key] === undefined || obj[key] === null) obj[key] = {};
  fill(obj[key], rest, value);
}

/** Fills the kind's always-serialised fields that are missing, in place. */
export function fillAlwaysSerializedFields(groupKind: string, obj: unknown): void {
  for (const [path, value] of Object.entries(alwaysSerialized[groupKind] ?? {})) fill(obj, path.split('.'), value);
}
