import type { ResourceInfo } from '@skiff/api';
import type { RestClient } from './rest-client.ts';

/** The one verb discovery needs: narrow, so tests hand it canned answers. */
export type DiscoveryClient = Pick<RestClient, 'request'>;

/** One entry of an APIResourceList. */
export interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}
export interface ApiResourceList {
  groupVersion: string;
  resources: ApiResource[];
}
interface ApiGroup {
  name: string;
  preferredVersion?: { version: string };
  versions: { version: string }[];
}

/** What one discovery round found: the preferred version of every served resource, and what could not be read. */
export interface DiscoverySnapshot {
  resources: ResourceInfo[];
  /** Group versions whose resource list failed (an unavailable aggregated API, say), with why. */
  failed: Record<string, string>;
  /** When the round started (ms since the epoch): anything served before then is in it. */
  fetchedAt: number;
}

export interface ResourceDiscoveryOptions {
  now?: () => number;
  /** At most one refresh per this many ms on a lookup miss (a kind nobody serves asks often). */
  missRefreshMs?: number;
}

/**
 * The preferred version of every served resource, built-in and custom, from `/api`,
 * `/apis` and one resource list per group (client-go's ServerPreferredResources), kept
 * in memory. Controllers that must reach every kind — the namespace deleter, the garbage
 * collector — ask it instead of the static table, which knows no custom resources.
 * Concurrent refreshes share one round.
 */
export class ResourceDiscovery {
  readonly #client: DiscoveryClient;
  readonly #now: () => number;
  readonly #missRefreshMs: number;
  #snapshot: DiscoverySnapshot | undefined;
  #inflight: Promise<DiscoverySnapshot> | undefined;

  constructor(client: DiscoveryClient, opts: ResourceDiscoveryOptions = {}) {
    this.#client = client;
    this.#now = opts.now ?? Date.now;
    this.#missRefreshMs = opts.missRefreshMs ?? 5000;
  }

  /** A snapshot taken at or after `notBefore` (ms; default: any cached one). */
  async snapshot(notBefore = 0): Promise<DiscoverySnapshot> {
    const cached = this.#snapshot;
    if (cached && cached.fetchedAt >= notBefore) return cached;
    return this.refresh();
  }

  /** A new round, or the one already under way. */
  refresh(): Promise<DiscoverySnapshot> {
    this.#inflight ??= this.#discover().then(
      (snap) => {
        this.#snapshot = snap;
        this.#inflight = undefined;
        return snap;
      },
      (err: unknown) => {
        this.#inflight = undefined;
        throw err;
      },
    );
    return this.#inflight;
  }

  /**
   * The served resource an apiVersion/kind names (an ownerReference's, an object's),
   * at that version when it is the preferred one, else at the same group's preferred
   * version (one object, several versions). A miss refreshes once per missRefreshMs:
   * a CRD established a moment ago is found, an unknown kind costs little.
   */
  async resolveKind(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const found = findKind((await this.snapshot()).resources, apiVersion, kind);
    if (found) return found;
    if (this.#now() - (this.#snapshot?.fetchedAt ?? 0) < this.#missRefreshMs) return undefined;
    return findKind((await this.refresh()).resources, apiVersion, kind);
  }

  async #discover(): Promise<DiscoverySnapshot> {
    const fetchedAt = this.#now();
    const core = await this.#client.request<{ versions: string[] }>('GET', '/api');
    const groups = await this.#client.request<{ groups: ApiGroup[] }>('GET', '/apis');
    const groupVersions = [
      ...(core.versions.length > 0 ? [core.versions[0]] : []),
      ...groups.groups.map((g) => `${g.name}/${g.preferredVersion?.version ?? g.versions[0]?.version}`),
    ];
    const failed: Record<string, string> = {};
    const lists = await Promise.all(
      groupVersions.map(async (gv) => {
        try {
          return await this.#client.request<ApiResourceList>('GET', gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`);
        } catch (err) {
          failed[gv] = (err as Error).message;
          return undefined;
        }
      }),
    );
    return { resources: lists.flatMap((list) => (list ? resourcesFromList(list) : [])), failed, fetchedAt };
  }
}

/** One APIResourceList as ResourceInfos, subresources folded into their parent. */
export function resourcesFromList(list: ApiResourceList): ResourceInfo[] {
  const [group, version] = list.groupVersion.includes('/') ? list.groupVersion.split('/') : ['', list.groupVersion];
  const byName = new Map<string, ResourceInfo>();
  for (const r of list.resources) {
    if (r.name.includes('/')) continue;
    byName.set(r.name, {
      group,
      version,
      kind: r.kind,
      listKind: `${r.kind}List`,
      resource: r.name,
      singular: r.singularName || r.kind.toLowerCase(),
      namespaced: r.namespaced,
      shortNames: r.shortNames ?? [],
      categories: r.categories ?? [],
      verbs: r.verbs ?? [],
      subresources: [],
    });
  }
  for (const r of list.resources) {
    const [parent, sub] = r.name.split('/');
    if (sub) byName.get(parent)?.subresources.push(sub);
  }
  return [...byName.values()];
}

function findKind(all: readonly ResourceInfo[], apiVersion: string, kind: string): ResourceInfo | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
  const sameKind = all.filter((res) => res.group === group && res.kind === kind);
  return sameKind.find((res) => res.version === version) ?? sameKind[0];
}
