/**
 * Discovery documents: /api, /apis, /apis/<group>, /api/v1, /apis/<group>/<version> and
 * /version, built from the resource table so kubectl's RESTMapper sees exactly what we serve.
 * kubectl ≥ 1.26 first asks for aggregated discovery (apidiscovery.k8s.io/v2 or v2beta1): one
 * APIGroupDiscoveryList per /api and /apis (aggregated-discovery.ts); older clients get the
 * legacy documents. Groups served by extension apiservers (APIServices naming a Service) join
 * as `RemoteGroupVersion`s, with the resources last fetched from them.
 */
import { arch, platform } from 'node:os';
import { apiVersionOf, type ResourceInfo } from '@skiff/api';
import { authorizationResources } from './self-subject-access-review.ts';
import { authenticationResources } from './self-subject-review.ts';
import type { ServedResources } from '../registry/custom-resources/served-resources.ts';
import { METRICS_GROUP, metricsResourceList } from './metrics-api/index.ts';

export interface DiscoveryOptions {
  /** host:port clients should use, for serverAddressByClientCIDRs. */
  serverAddress: string;
}

export interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

/** Kind (and group/version when it differs from the parent's) and verbs of each subresource, as kube reports them. */
function describeSubresource(res: ResourceInfo, sub: string): Omit<ApiResource, 'name' | 'singularName' | 'namespaced'> {
  switch (sub) {
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    case 'binding':
      return { kind: 'Binding', verbs: ['create'] };
    case 'token':
      return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] };
    case 'log':
      return { kind: 'Pod', verbs: ['get'] };
    case 'exec':
      return { kind: 'PodExecOptions', verbs: ['create', 'get'] };
    case 'attach':
      return { kind: 'PodAttachOptions', verbs: ['create', 'get'] };
    case 'portforward':
      return { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
    case 'eviction':
      return { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    case 'finalize':
      return { kind: res.kind, verbs: ['update'] };
    case 'status':
      return { kind: res.kind, verbs: ['get', 'patch', 'update'] };
    default:
      return { kind: res.kind, verbs: ['get'] };
  }
}

/**
 * Groups the HTTP layer serves itself (reviews: computed per request, never stored; metrics:
 * asked of kubelets), unless an APIService hands one to an extension apiserver.
 */
const httpGroups: Record<string, { version: string; resources: ApiResource[] }> = {
  'authorization.k8s.io': { version: 'v1', resources: authorizationResources },
  'authentication.k8s.io': { version: 'v1', resources: authenticationResources },
  [METRICS_GROUP]: { version: 'v1beta1', resources: metricsResourceList.resources },
};

/** A group/version an extension apiserver serves, with what its discovery said (undefined: not fetched yet or failing). */
export interface RemoteGroupVersion {
  group: string;
  version: string;
  resources?: ApiResource[];
}

/** What discovery lists beyond ServedResources: extension apiservers' group/versions. */
export interface DiscoverySources {
  served: ServedResources;
  remote: readonly RemoteGroupVersion[];
}

export interface GroupVersion {
  group: string;
  version: string;
}

/**
 * Group/versions this apiserver serves itself: the resource table's and established CRDs', then
 * the HTTP layer's own, except those `remote` takes over (a real metrics-server replacing ours).
 */
export function localGroupVersions(served: ServedResources, remote: readonly GroupVersion[] = []): GroupVersion[] {
  const taken = new Set(remote.map((gv) => `${gv.group}/${gv.version}`));
  return [...served.groupVersions(), ...Object.entries(httpGroups).map(([group, g]) => ({ group, version: g.version }))].filter(
    (gv) => !taken.has(`${gv.group}/${gv.version}`),
  );
}

function allGroupVersions(sources: DiscoverySources): GroupVersion[] {
  return [...localGroupVersions(sources.served, sources.remote), ...sources.remote.map(({ group, version }) => ({ group, version }))];
}

/** The resources of one local group/version (undefined: not served here). */
export function localResources(served: ServedResources, group: string, version: string): ApiResource[] | undefined {
  const doc = buildApiResourceList(served, group, version);
  return doc ? (doc.resources as ApiResource[]) : undefined;
}

export function buildApiResourceList(served: ServedResources, group: string, version: string): Record<string, unknown> | undefined {
  const own = httpGroups[group];
  if (own && own.version === version) return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources: own.resources };
  const inVersion = served.resourcesIn(group, version);
  if (inVersion.length === 0) return undefined;
  const list: ApiResource[] = [];
  for (const r of inVersion) {
    const entry: ApiResource = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: [...r.verbs] };
    if (r.shortNames.length > 0) entry.shortNames = [...r.shortNames];
    if (r.categories.length > 0) entry.categories = [...r.categories];
    list.push(entry);
    for (const sub of r.subresources) {
      list.push({ name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced, ...describeSubresource(r, sub) });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources: list };
}

export function buildApiVersions(served: ServedResources, opts: DiscoveryOptions): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: localGroupVersions(served)
      .filter((gv) => gv.group === '')
      .map((gv) => gv.version),
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: opts.serverAddress }],
  };
}

function buildGroup(sources: DiscoverySources, name: string): Record<string, unknown> | undefined {
  const versions = allGroupVersions(sources)
    .filter((gv) => gv.group === name)
    .map((gv) => ({ groupVersion: `${gv.group}/${gv.version}`, version: gv.version }));
  if (versions.length === 0) return undefined;
  return { name, versions, preferredVersion: versions[0] };
}

/** Named groups, local ones first, each once. */
export function groupNames(sources: DiscoverySources): string[] {
  return [
    ...new Set(
      allGroupVersions(sources)
        .map((gv) => gv.group)
        .filter((g) => g !== ''),
    ),
  ];
}

export function buildApiGroupList(sources: DiscoverySources): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groupNames(sources).map((name) => buildGroup(sources, name)) };
}

export function buildApiGroup(sources: DiscoverySources, name: string): Record<string, unknown> | undefined {
  const group = buildGroup(sources, name);
  return group ? { kind: 'APIGroup', apiVersion: 'v1', ...group } : undefined;
}

const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

/** /version, shaped like kube's version.Info; we claim the 1.30 API we implement. */
export function buildVersionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '30',
    gitVersion: 'v1.30.0+skiff',
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '',
    goVersion: `node${process.versions.node}`,
    compiler: 'node',
    platform: `${platform()}/${goArch[arch()] ?? arch()}`,
  };
}
