/**
 * apiextensions.k8s.io/v1 CustomResourceDefinitions, answered truthfully: Skiff serves no custom
 * resources, so the list is always empty and nothing can be created. kubectl ≥ 1.27 lists CRDs
 * before validating a manifest of a kind it does not know; with this group missing it reported
 * "failed to check CRD" instead of its own "no matches for kind". Reads succeed (empty list,
 * NotFound, a watch that never sends an event); writes are 405 with the reason.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../errors.ts';
import type { RequestInfo } from './request-info.ts';
import { sendJson } from './respond.ts';
import { parseTableAccept } from './tables/index.ts';

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

/** Watches without timeoutSeconds end after this long; the client simply re-lists (still nothing). */
const DEFAULT_WATCH_SECONDS = 1800;

export function serveCustomResourceDefinitions(req: IncomingMessage, res: ServerResponse, info: RequestInfo): void {
  if (info.subresource) throw errors.notFound(CRDS, `${info.name}/${info.subresource}`);
  switch (info.verb) {
    case 'get':
      throw errors.notFound(CRDS, info.name);
    case 'list': {
      const table = parseTableAccept(req.headers.accept);
      if (table) {
        sendJson(res, 200, {
          kind: 'Table', apiVersion: `meta.k8s.io/${table}`, metadata: { resourceVersion: '0' },
          columnDefinitions: [
            { name: 'Name', type: 'string', format: 'name', description: 'Name of the CustomResourceDefinition.', priority: 0 },
            { name: 'Created At', type: 'date', format: '', description: 'When it was created.', priority: 0 },
          ],
          rows: [],
        });
        return;
      }
      sendJson(res, 200, { kind: 'CustomResourceDefinitionList', apiVersion: `${APIEXTENSIONS_GROUP}/v1`, metadata: { resourceVersion: '0' }, items: [] });
      return;
    }
    case 'watch': {
      const requested = Number(new URL(req.url ?? '/', 'https://x').searchParams.get('timeoutSeconds'));
      const seconds = requested > 0 ? requested : DEFAULT_WATCH_SECONDS;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
      res.flushHeaders();
      const timer = setTimeout(() => res.end(), seconds * 1000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    default:
      throw errors.methodNotAllowed(CRDS, `Skiff does not serve custom resources: CustomResourceDefinitions cannot be ${pastTense(info.verb)}`);
  }
}

function pastTense(verb: string): string {
  return ({ create: 'created', update: 'updated', patch: 'patched', delete: 'deleted', deletecollection: 'deleted' } as Record<string, string>)[verb] ?? verb;
}
