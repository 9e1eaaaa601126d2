/**
 * Strategic-merge-patch metadata of Kubernetes' Go types (the `patchStrategy` and
 * `patchMergeKey` struct tags), which client-node's models do not carry. kubectl apply
 * reads these from the OpenAPI document to merge lists by key instead of replacing them,
 * so they must be the ones Kubernetes publishes. Keyed by '<model short name>.<field>'.
 */
export interface PatchStrategy {
  /** 'merge', 'retainKeys' or 'merge,retainKeys'. */
  strategy: string;
  mergeKey?: string;
}

const containerLists: Record<string, PatchStrategy> = {
  ports: { strategy: 'merge', mergeKey: 'containerPort' },
  env: { strategy: 'merge', mergeKey: 'name' },
  volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
  volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
};

const conditionsByType: PatchStrategy = { strategy: 'merge', mergeKey: 'type' };

export const patchStrategies: Readonly<Record<string, PatchStrategy>> = {
  ...prefixed('Container', containerLists),
  ...prefixed('EphemeralContainer', containerLists),
  'PodSpec.containers': { strategy: 'merge', mergeKey: 'name' },
  'PodSpec.initContainers': { strategy: 'merge', mergeKey: 'name' },
  'PodSpec.ephemeralContainers': { strategy: 'merge', mergeKey: 'name' },
  'PodSpec.volumes': { strategy: 'merge,retainKeys', mergeKey: 'name' },
  'PodSpec.imagePullSecrets': { strategy: 'merge', mergeKey: 'name' },
  'PodSpec.hostAliases': { strategy: 'merge', mergeKey: 'ip' },
  'PodSpec.topologySpreadConstraints': { strategy: 'merge', mergeKey: 'topologyKey' },
  'PodSpec.resourceClaims': { strategy: 'merge,retainKeys', mergeKey: 'name' },
  'PodSpec.schedulingGates': { strategy: 'merge', mergeKey: 'name' },
  'PodStatus.conditions': conditionsByType,
  'PodStatus.podIPs': { strategy: 'merge', mergeKey: 'ip' },
  'PodStatus.hostIPs': { strategy: 'merge', mergeKey: 'ip' },
  'ServiceSpec.ports': { strategy: 'merge', mergeKey: 'port' },
  'ServiceAccount.secrets': { strategy: 'merge', mergeKey: 'name' },
  'ServiceStatus.conditions': { strategy: 'merge', mergeKey: 'type' },
  'NodeStatus.conditions': conditionsByType,
  'NodeStatus.addresses': conditionsByType,
  'NamespaceStatus.conditions': conditionsByType,
  'PersistentVolumeClaimStatus.conditions': conditionsByType,
  'ReplicationControllerStatus.conditions': conditionsByType,
  'ObjectMeta.finalizers': { strategy: 'merge' },
  'ObjectMeta.ownerReferences': { strategy: 'merge', mergeKey: 'uid' },
  'DeploymentSpec.strategy': { strategy: 'retainKeys' },
  'DeploymentStatus.conditions': conditionsByType,
  'ReplicaSetStatus.conditions': conditionsByType,
  'StatefulSetStatus.conditions': conditionsByType,
  'DaemonSetStatus.conditions': conditionsByType,
  'JobStatus.conditions': conditionsByType,
  'HorizontalPodAutoscalerStatus.conditions': conditionsByType,
};

function prefixed(model: string, fields: Record<string, PatchStrategy>): Record<string, PatchStrategy> {
  return Object.fromEntries(Object.entries(fields).map(([field, strategy]) => [`${model}.${field}`, strategy]));
}

/** The strategy of `field` in a model short-named `shortName` ('PodSpec'), if any. */
export function findPatchStrategy(shortName: string, field: string): PatchStrategy | undefined {
  return patchStrategies[`${shortName}.${field}`];
}
