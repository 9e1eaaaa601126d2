/**
 * Aggregated discovery (apidiscovery.k8s.io/v2, and v2beta1 for kubectl 1.26–1.29): /api and
 * /apis each answer one APIGroupDiscoveryList with every group, version and resource, so a
 * client discovers in two requests instead of one per group/version. Built from the same
 * documents as legacy discovery (ServedResources, the HTTP layer's groups, extension
 * apiservers' cached lists); clients that do not ask for it get the legacy documents.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { groupNames, localGroupVersions, localResources, type ApiResource, type DiscoverySources } from '../discovery.ts';

export type DiscoveryVersion = 'v2' | 'v2beta1';

const GROUP = 'apidiscovery.k8s.io';

/**
 * The aggregated-discovery version `accept` asks for, in its order of preference; undefined for
 * legacy clients. Only JSON is offered: kubectl lists protobuf first but takes JSON as well.
 */
export function negotiateAggregatedDiscovery(accept: string | undefined): DiscoveryVersion | undefined {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim());
    if (type !== 'application/json') continue;
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    if (p.g === GROUP && p.as === 'APIGroupDiscoveryList' && (p.v === 'v2' || p.v === 'v2beta1')) return p.v;
  }
  return undefined;
}

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** One legacy APIResourceList's entries as v2 resources, subresources folded under their parent. */
export function toDiscoveryResources(group: string, version: string, list: readonly ApiResource[]): Record<string, unknown>[] {
  const kindOf = (r: ApiResource): GroupVersionKind => ({ group: r.group ?? group, version: r.version ?? version, kind: r.kind });
  return list
    .filter((r) => !r.name.includes('/'))
    .map((r) => {
      const subresources = list
        .filter((s) => s.name.startsWith(`${r.name}/`))
        .map((s) => ({ subresource: s.name.slice(r.name.length + 1), responseKind: kindOf(s), verbs: s.verbs }));
      return {
        resource: r.name,
        responseKind: kindOf(r),
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: r.singularName || r.kind.toLowerCase(),
        verbs: r.verbs,
        ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories?.length ? { categories: r.categories } : {}),
        ...(subresources.length ? { subresources } : {}),
      };
    });
}

/** The APIGroupDiscoveryList of /api (`core`) or /apis. */
export function buildGroupDiscoveryList(sources: DiscoverySources, root: 'api' | 'apis', v: DiscoveryVersion): Record<string, unknown> {
  const local = localGroupVersions(sources.served, sources.remote);
  const names = root === 'api' ? [''] : groupNames(sources);
  const items = names.map((name) => {
    const versions = [
      ...local
        .filter((gv) => gv.group === name)
        .map((gv) => ({
          version: gv.version,
          resources: toDiscoveryResources(name, gv.version, localResources(sources.served, name, gv.version) ?? []),
          freshness: 'Current',
        })),
      ...(root === 'api'
        ? []
        : sources.remote
            .filter((gv) => gv.group === name)
            .map((gv) => ({
              version: gv.version,
              resources: toDiscoveryResources(name, gv.version, gv.resources ?? []),
              // Not fetched yet or failing: clients keep what they had.
              freshness: gv.resources ? 'Current' : 'Stale',
            }))),
    ];
    return { metadata: { name, creationTimestamp: null }, versions };
  });
  return { kind: 'APIGroupDiscoveryList', apiVersion: `${GROUP}/${v}`, metadata: {}, items };
}

/** Sends `doc` with the media type kubectl checks, an ETag, and 304 when the client's copy is current. */
export function sendGroupDiscoveryList(req: IncomingMessage, res: ServerResponse, doc: Record<string, unknown>, v: DiscoveryVersion): void {
  const body = JSON.stringify(doc);
  const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
  res.setHeader('Vary', 'Accept');
  res.setHeader('ETag', etag);
  if (req.headers['if-none-match'] === etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', `application/json;g=${GROUP};v=${v};as=APIGroupDiscoveryList`);
  res.end(body);
}
