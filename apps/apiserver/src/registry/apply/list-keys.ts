/**
 * Built-in lists whose upstream schema keys them by more than their strategic-merge key.
 * Kubernetes' Go types carry two facts per list: `patchMergeKey` (one field, for strategic
 * merge patch, in @skiff/api's patch-meta table) and `+listMapKey` (one or more fields,
 * published as `x-kubernetes-list-map-keys`, for server-side apply). They differ only
 * here; a key field the item omits takes its schema default, as structured-merge-diff
 * does, so `{containerPort: 80}` is the item `k:{"containerPort":80,"protocol":"TCP"}`.
 * Kept beside apply rather than in the patch table: strategic merge patch must keep
 * merging by the single key, and only apply reads these.
 */

export interface ListKeys {
  keys: readonly string[];
  /** Defaults of key fields an item may omit. */
  defaults?: Readonly<Record<string, unknown>>;
}

const byProtocol = { protocol: 'TCP' } as const;

/** `<field>/<patchMergeKey>` → the list-map keys (core/v1 Container, EphemeralContainer, ServiceSpec, PodSpec). */
const LIST_KEYS: Readonly<Record<string, ListKeys>> = {
  'ports/containerPort': { keys: ['containerPort', 'protocol'], defaults: byProtocol },
  'ports/port': { keys: ['port', 'protocol'], defaults: byProtocol },
  'topologySpreadConstraints/topologyKey': { keys: ['topologyKey', 'whenUnsatisfiable'] },
};

/** The keys server-side apply merges the list `field` by, given its strategic-merge key. */
export function listKeysFor(field: string, mergeKey: string): ListKeys {
  return LIST_KEYS[`${field}/${mergeKey}`] ?? { keys: [mergeKey] };
}
