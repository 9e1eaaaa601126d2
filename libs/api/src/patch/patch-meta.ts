/**
 * Strategic-merge-patch metadata: for each kind, which fields hold lists that merge
 * instead of being replaced, and by which key. These are the facts Kubernetes records in
 * its Go types as `patchStrategy` / `patchMergeKey` struct tags (k8s.io/api, and
 * k8s.io/apimachinery for ObjectMeta), transcribed as a tree of the fields that lead to
 * them. A field that is not described merges if it is a map and is replaced whole if it
 * is a list — exactly what Kubernetes does for a list without tags ("atomic"), such as
 * tolerations, envFrom, containerStatuses, taints or Endpoints subsets.
 */

/** What one field holds, as far as strategic merge patch cares. */
export interface FieldPatchMeta {
  /**
   * 'merge': a list merged element by element — by `mergeKey` for lists of objects, as a
   * set (union, first order kept) for lists of strings. 'replace': an object the patch
   * replaces whole instead of merging into (PodDisruptionBudget's selector).
   */
  strategy?: 'merge' | 'replace';
  mergeKey?: string;
  /**
   * The field's patch strategy includes `retainKeys` (a Deployment's strategy, a Pod's
   * volumes). Only clients act on it, by sending `$retainKeys`; the server honours that
   * directive wherever it appears. Kept so the table states the whole fact.
   */
  retainKeys?: boolean;
  /** The fields of the value (for lists: of each element). */
  type?: TypePatchMeta;
}

/** Field name → metadata, for one object type. */
export type TypePatchMeta = Readonly<Record<string, FieldPatchMeta>>;

const byName = { strategy: 'merge', mergeKey: 'name' } as const;
const byType = { strategy: 'merge', mergeKey: 'type' } as const;
const conditionsStatus: TypePatchMeta = { conditions: byType };

export const objectMetaPatchMeta: TypePatchMeta = {
  finalizers: { strategy: 'merge' },
  ownerReferences: { strategy: 'merge', mergeKey: 'uid' },
};

// core/v1 Container; EphemeralContainerCommon carries the same tags.
const container: TypePatchMeta = {
  ports: { strategy: 'merge', mergeKey: 'containerPort' },
  env: byName,
  volumeMounts: { strategy: 'merge', mergeKey: 'mountPath' },
  volumeDevices: { strategy: 'merge', mergeKey: 'devicePath' },
};

const podSpec: TypePatchMeta = {
  volumes: { ...byName, retainKeys: true },
  initContainers: { ...byName, type: container },
  containers: { ...byName, type: container },
  ephemeralContainers: { ...byName, type: container },
  imagePullSecrets: byName,
  hostAliases: { strategy: 'merge', mergeKey: 'ip' },
  topologySpreadConstraints: { strategy: 'merge', mergeKey: 'topologyKey' },
  schedulingGates: byName,
  resourceClaims: { ...byName, retainKeys: true },
};

const podStatus: TypePatchMeta = {
  conditions: byType,
  podIPs: { strategy: 'merge', mergeKey: 'ip' },
  hostIPs: { strategy: 'merge', mergeKey: 'ip' },
  resourceClaimStatuses: { ...byName, retainKeys: true },
};

const podTemplateSpec: TypePatchMeta = {
  metadata: { type: objectMetaPatchMeta },
  spec: { type: podSpec },
};

/** An object with ObjectMeta and the given top-level fields. */
function kind(fields: TypePatchMeta): TypePatchMeta {
  return { metadata: { type: objectMetaPatchMeta }, ...fields };
}

/** A workload whose spec holds a pod template, and whose status holds conditions. */
function podTemplateOwner(spec: TypePatchMeta = {}): TypePatchMeta {
  return kind({
    spec: { type: { template: { type: podTemplateSpec }, ...spec } },
    status: { type: conditionsStatus },
  });
}

const metaOnly = kind({});

/** Keyed by `apiVersion/kind` ('v1/Pod', 'apps/v1/Deployment'). */
const kinds: Readonly<Record<string, TypePatchMeta>> = {
  'v1/Pod': kind({ spec: { type: podSpec }, status: { type: podStatus } }),
  'v1/PodTemplate': kind({ template: { type: podTemplateSpec } }),
  'v1/ReplicationController': podTemplateOwner(),
  'v1/Service': kind({
    spec: { type: { ports: { strategy: 'merge', mergeKey: 'port' } } },
    status: { type: conditionsStatus },
  }),
  'v1/ServiceAccount': kind({ secrets: byName }),
  'v1/Node': kind({
    spec: { type: { podCIDRs: { strategy: 'merge' } } },
    status: { type: { conditions: byType, addresses: byType } },
  }),
  'v1/Namespace': kind({ status: { type: conditionsStatus } }),
  'v1/PersistentVolumeClaim': kind({ status: { type: conditionsStatus } }),
  'v1/ComponentStatus': kind({ conditions: byType }),
  'v1/ConfigMap': metaOnly,
  'v1/Secret': metaOnly,
  'v1/Endpoints': metaOnly,
  'v1/Event': metaOnly,
  'v1/LimitRange': metaOnly,
  'v1/ResourceQuota': metaOnly,
  'v1/PersistentVolume': metaOnly,
  'apps/v1/Deployment': podTemplateOwner({ strategy: { retainKeys: true } }),
  'apps/v1/ReplicaSet': podTemplateOwner(),
  'apps/v1/StatefulSet': podTemplateOwner(),
  'apps/v1/DaemonSet': podTemplateOwner(),
  'apps/v1/ControllerRevision': metaOnly,
  'batch/v1/Job': podTemplateOwner(),
  'batch/v1/CronJob': kind({
    spec: { type: { jobTemplate: { type: kind({ spec: { type: { template: { type: podTemplateSpec } } } }) } } },
  }),
  'autoscaling/v2/HorizontalPodAutoscaler': kind({ status: { type: conditionsStatus } }),
  'policy/v1/PodDisruptionBudget': kind({
    spec: { type: { selector: { strategy: 'replace' } } },
    status: { type: conditionsStatus },
  }),
  'networking.k8s.io/v1/ServiceCIDR': kind({ status: { type: conditionsStatus } }),
  'networking.k8s.io/v1/Ingress': metaOnly,
  'networking.k8s.io/v1/NetworkPolicy': metaOnly,
  'discovery.k8s.io/v1/EndpointSlice': metaOnly,
  'coordination.k8s.io/v1/Lease': metaOnly,
  'events.k8s.io/v1/Event': metaOnly,
};

/** Same kind under another version of its group ('apps/v1beta2/Deployment' → apps/v1). */
const kindsByGroupKind = new Map<string, TypePatchMeta>();
for (const [typeKey, meta] of Object.entries(kinds)) {
  const groupKind = toGroupKind(typeKey);
  if (!kindsByGroupKind.has(groupKind)) kindsByGroupKind.set(groupKind, meta);
}

function toGroupKind(typeKey: string): string {
  const parts = typeKey.split('/');
  // 'v1/Pod' has no group; 'apps/v1/Deployment' has one.
  return parts.length === 3 ? `${parts[0]}/${parts[2]}` : `/${parts[parts.length - 1]}`;
}

/**
 * The patch metadata of `typeKey` ('apps/v1/Deployment', 'v1/Pod'), falling back to the
 * same group and kind in another version; undefined for a kind this table does not know
 * (custom resources, which Kubernetes refuses strategic merge patches for).
 */
export function patchMetaFor(typeKey: string): TypePatchMeta | undefined {
  return kinds[typeKey] ?? kindsByGroupKind.get(toGroupKind(typeKey));
}

/** Every object has ObjectMeta: what an unknown kind's patch still merges by. */
export const genericObjectPatchMeta: TypePatchMeta = metaOnly;
