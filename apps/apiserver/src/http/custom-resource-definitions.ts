/**
 * apiextensions.k8s.io/v1 CustomResourceDefinitions, answered truthfully: Skiff serves no custom
 * resources, so the list is always empty and nothing can be created. kubectl ≥ 1.27 lists CRDs
 * before validating a manifest of a kind it does not know; with this group missing it reported
 * "failed to check CRD" instead of its own "no matches for kind". Reads succeed (empty list,
 * NotFound, a watch that never sends an event); writes are 405 with the reason.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../errors.ts';
import { parseWatchQuery } from './query.ts';
import type { RequestInfo } from './request-info.ts';
import { sendJson } from './respond.ts';
import { parseTableAccept, toTable } from './tables/index.ts';
import { watchTimeoutMs, type WatchContext } from './watch.ts';

export const APIEXTENSIONS_GROUP = 'apiextensions.k8s.io';
const CRDS = { group: APIEXTENSIONS_GROUP, resource: 'customresourcedefinitions' };

/** Discovery entry for apiextensions.k8s.io/v1. */
export const apiextensionsResources = [
  {
    name: 'customresourcedefinitions', singularName: 'customresourcedefinition', namespaced: false,
    kind: 'CustomResourceDefinition', verbs: ['get', 'list', 'watch'], shortNames: ['crd', 'crds'], categories: ['api-extensions'],
  },
];

export function isCustomResourceDefinitionRequest(info: RequestInfo): boolean {
  return info.isResourceRequest && info.group === APIEXTENSIONS_GROUP && info.version === 'v1' && info.resource === CRDS.resource;
}

const emptyList = { kind: 'CustomResourceDefinitionList', apiVersion: `${APIEXTENSIONS_GROUP}/v1`, metadata: { resourceVersion: '0' }, items: [] };

export function serveCustomResourceDefinitions(req: IncomingMessage, res: ServerResponse, info: RequestInfo, watch: Pick<WatchContext, 'shutdown' | 'minRequestTimeoutSeconds'>): void {
  if (info.subresource) throw errors.notFound(CRDS, `${info.name}/${info.subresource}`);
  switch (info.verb) {
    case 'get':
      throw errors.notFound(CRDS, info.name);
    case 'list': {
      const version = parseTableAccept(req.headers.accept);
      sendJson(res, 200, version ? toTable(CRDS, emptyList, { version, includeObject: 'None' }) : emptyList);
      return;
    }
    case 'watch': {
      // Open until the usual watch timeout or shutdown, with nothing ever to send.
      const query = parseWatchQuery(new URL(req.url ?? '/', 'https://x').searchParams);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
      res.flushHeaders();
      const end = (): void => { res.end(); };
      const timer = setTimeout(end, watchTimeoutMs(query, watch.minRequestTimeoutSeconds));
      watch.shutdown.addEventListener('abort', end, { once: true });
      res.on('close', () => {
        clearTimeout(timer);
        watch.shutdown.removeEventListener('abort', end);
      });
      return;
    }
    default:
      throw errors.methodNotAllowed(CRDS, `Skiff does not serve custom resources: CustomResourceDefinitions cannot be ${pastTense(info.verb)}`);
  }
}

function pastTense(verb: string): string {
  return ({ create: 'created', update: 'updated', patch: 'patched', delete: 'deleted', deletecollection: 'deleted' } as Record<string, string>)[verb] ?? verb;
}
