/**
 * What the apiserver, clients and discovery need to know about one REST resource.
 * The table of every resource Skiff serves lives in `resources.ts`.
 */
export interface ResourceInfo {
  /** API group: '' for the core group, 'apps', 'coordination.k8s.io', ... */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural, lower-case REST name: 'pods', 'deployments', 'endpointslices'. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served under `<name>/<sub>`: 'status', 'scale', 'binding', 'log', 'exec'. */
  subresources: string[];
  /** Kind's Kubernetes storage: secrets are encrypted at rest. */
  encryptAtRest?: boolean;
}

/** 'apps/v1' or 'v1' for the core group. */
export function apiVersionOf(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}
