/**
 * Discovery-backed REST mapping, as kubectl's RESTMapper: 'po', 'pods', 'pod', 'Pod',
 * 'deploy', 'deployments.apps', 'deployments.v1.apps' all name one served resource.
 * Ambiguous names resolve by discovery order: the core group first, then /apis order.
 */
import type { ResourceInfo } from '@skiff/api';
import { resourcesFromList, type ApiResourceList, type RestClient } from '@skiff/client';
import { CliError } from './errors.ts';

/** A served resource, shaped as libs/api's ResourceInfo so RestClient accepts it. */
export type ResourceMapping = ResourceInfo;

interface ApiGroupList {
  groups: { name: string; preferredVersion?: { version: string }; versions: { version: string }[] }[];
}

/** Builds mappings from APIResourceLists, in priority order (subresources fold into their parent). */
export function mappingsFromDiscovery(lists: ApiResourceList[]): ResourceMapping[] {
  return lists.flatMap(resourcesFromList);
}

/** 'deployment.apps' → kind/resource 'deployment', group 'apps'; 'deployments.v1.apps' also names the version. */
export function splitResourceArg(arg: string): { name: string; group?: string; version?: string } {
  const dot = arg.indexOf('.');
  if (dot < 0) return { name: arg };
  const name = arg.slice(0, dot);
  const rest = arg.slice(dot + 1);
  const v = /^(v\d+(?:(?:alpha|beta)\d+)?)\.(.+)$/.exec(rest);
  if (v) return { name, version: v[1], group: v[2] };
  return { name, group: rest };
}

export function displayName(m: Pick<ResourceMapping, 'resource' | 'group'>): string {
  return m.group ? `${m.resource}.${m.group}` : m.resource;
}

/** 'deployment.apps' / 'pod': the prefix of `-o name` and of "x deleted" messages. */
export function kindPrefix(m: Pick<ResourceMapping, 'kind' | 'group'>): string {
  const kind = m.kind.toLowerCase();
  return m.group ? `${kind}.${m.group}` : kind;
}

/** Finds the mapping for a resource argument in already-discovered mappings; undefined when none. */
export function findMapping(mappings: ResourceMapping[], arg: string): ResourceMapping | undefined {
  const tryMatch = (name: string, group?: string, version?: string): ResourceMapping | undefined => {
    const lower = name.toLowerCase();
    const candidates = mappings.filter((m) => (group === undefined || m.group === group) && (version === undefined || m.version === version));
    return (
      candidates.find((m) => m.resource === lower) ??
      candidates.find((m) => m.singular === lower) ??
      candidates.find((m) => m.shortNames.includes(lower)) ??
      candidates.find((m) => m.kind.toLowerCase() === lower)
    );
  };
  const split = splitResourceArg(arg);
  if (split.group !== undefined) {
    const found = tryMatch(split.name, split.group, split.version);
    if (found) return found;
  }
  return tryMatch(arg);
}

export class RestMapper {
  readonly #client: RestClient;
  #mappings: Promise<ResourceMapping[]> | undefined;

  constructor(client: RestClient) {
    this.#client = client;
  }

  /** Every served resource, discovered once per process. */
  mappings(): Promise<ResourceMapping[]> {
    this.#mappings ??= this.#discover();
    return this.#mappings;
  }

  async resolve(arg: string): Promise<ResourceMapping> {
    const found = findMapping(await this.mappings(), arg);
    if (!found) throw new CliError(`the server doesn't have a resource type "${arg}"`);
    return found;
  }

  async resolveKind(apiVersion: string, kind: string): Promise<ResourceMapping> {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const all = await this.mappings();
    const found = all.find((m) => m.group === group && m.version === version && m.kind === kind);
    if (!found) {
      throw new CliError(
        `resource mapping not found for name: "" namespace: "" from "": no matches for kind "${kind}" in version "${apiVersion}"\nensure CRDs are installed first`,
      );
    }
    return found;
  }

  async #discover(): Promise<ResourceMapping[]> {
    const core = await this.#client.request<{ versions: string[] }>('GET', '/api');
    const groups = await this.#client.request<ApiGroupList>('GET', '/apis');
    const paths = [
      ...core.versions.map((v) => `/api/${v}`),
      ...groups.groups.map((g) => `/apis/${g.name}/${g.preferredVersion?.version ?? g.versions[0]?.version}`),
    ];
    const lists = await Promise.all(paths.map((p) => this.#client.request<ApiResourceList>('GET', p)));
    return mappingsFromDiscovery(lists);
  }
}
