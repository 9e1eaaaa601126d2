/**
 * Resource requests (`/api/v1/...`, `/apis/<g>/<v>/...`): checks the path against the
 * resource table, decodes query and body, calls the verb on ApiHandlers and answers
 * with Kubernetes' status codes. Verb semantics live in the registry, not here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceInfo } from '@skiff/api';
import { ApiError, errors } from '../errors.ts';
import type { ApiHandlers, UserInfo, WriteResult } from '../registry/handlers.ts';
import type { KubeObject } from '../storage/store.ts';
import type { ServedResources } from '../registry/custom-resources/served-resources.ts';
import type { RequestInfo } from './request-info.ts';
import { decodeBody, patchTypeOf, readBody, readObjectBody } from './body.ts';
import { parseDeleteOptions, parseListQuery, parseWatchQuery, parseWriteOptions } from './query.ts';
import { addWarningHeaders, sendJson } from './respond.ts';
import { parseIncludeObject, parseTableAccept, toTable, type TableRequest } from './tables/index.ts';
import { serveWatch, type WatchContext } from './watch.ts';
import { managerFromUserAgent } from '../registry/apply/field-manager.ts';
import { auditAnnotationsOf } from './audit/auditor.ts';

export interface ResourceContext {
  handlers: ApiHandlers;
  served: ServedResources;
  maxRequestBytes: number;
  watch: WatchContext;
}

export function resourceNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** Verbs each subresource answers (kube registers exactly these routes). */
const subresourceVerbs: Record<string, string[]> = {
  status: ['get', 'update', 'patch'],
  scale: ['get', 'update', 'patch'],
  binding: ['create'],
  token: ['create'],
  log: ['get'],
  exec: ['get', 'create'],
  attach: ['get', 'create'],
  portforward: ['get', 'create'],
  eviction: ['create'],
  finalize: ['update'],
  approval: ['get', 'update', 'patch'],
};

/** The resource a request names, or the 404/405 kube answers for a path it has no route for. */
export function resolveResource(served: ServedResources, info: RequestInfo): ResourceInfo {
  const res = served.find(info.group, info.version, info.resource);
  if (!res || info.rest.length > 0) throw resourceNotFound();
  if (!res.namespaced && info.namespace !== undefined) throw resourceNotFound();
  // Namespaced objects are addressed inside a namespace; only list/watch span all of them.
  if (res.namespaced && info.namespace === undefined && !(info.verb === 'list' || info.verb === 'watch')) throw resourceNotFound();
  // Routes kube does not register: PUT/PATCH of a collection, POST to a named object.
  if ((!info.name && (info.verb === 'update' || info.verb === 'patch')) || (info.name && !info.subresource && info.verb === 'create')) {
    throw errors.methodNotSupported(res, info.verb);
  }
  if (info.subresource) {
    if (!res.subresources.includes(info.subresource)) throw resourceNotFound();
    const verbs = subresourceVerbs[info.subresource] ?? ['get'];
    if (!verbs.includes(info.verb)) throw errors.methodNotSupported(res, info.verb);
    return res;
  }
  if (!res.verbs.includes(info.verb)) throw errors.methodNotSupported(res, info.verb);
  return res;
}

function writeCode(result: WriteResult, createdCode = 201): number {
  return result.created ? createdCode : 200;
}

function tableRequestOf(req: IncomingMessage, q: URLSearchParams): TableRequest | undefined {
  const version = parseTableAccept(req.headers.accept);
  return version ? { version, includeObject: parseIncludeObject(q.get('includeObject')) } : undefined;
}

/** Handles one resource request end to end; returns the HTTP status code sent. */
export async function handleResourceRequest(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  info: RequestInfo,
  user: UserInfo,
): Promise<number> {
  const resource = resolveResource(ctx.served, info);
  const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const h = ctx.handlers;
  const ns = resource.namespaced ? info.namespace : undefined;
  const { name, subresource: sub } = info;

  const answer = (code: number, obj: KubeObject | Record<string, unknown>, table?: TableRequest): number => {
    sendJson(res, code, table ? toTable(resource, obj as KubeObject, table) : obj);
    return code;
  };
  // A write's answer: its object, with its warnings (unknown fields dropped) as Warning headers.
  const answerWrite = (code: number, result: WriteResult): number => {
    addWarningHeaders(res, result.warnings);
    return answer(code, result.object);
  };
  // A write that names no fieldManager is recorded under its User-Agent's product, as upstream
  // does (`kubectl-client-side-apply`, `kubectl-edit`...); apply must name one.
  const writeOptions = (apply = false): ReturnType<typeof parseWriteOptions> => {
    const opts = parseWriteOptions(q, user);
    if (apply && !opts.fieldManager) throw errors.badRequest('PATCH with application/apply-patch+yaml requires the fieldManager parameter');
    opts.fieldManager ??= managerFromUserAgent(req.headers['user-agent']);
    opts.auditAnnotations = auditAnnotationsOf(req);
    return opts;
  };
  const readDecoded = async (): Promise<unknown> => decodeBody(await readBody(req, ctx.maxRequestBytes), req.headers['content-type'], ctx.maxRequestBytes);

  switch (info.verb) {
    case 'get': {
      const table = sub ? undefined : tableRequestOf(req, q);
      return answer(200, sub ? await h.getSubresource(resource, ns, name, sub) : await h.get(resource, ns, name), table);
    }
    case 'list':
      return answer(200, await h.list(resource, ns, parseListQuery(q)), tableRequestOf(req, q));
    case 'watch':
      return serveWatch(ctx.watch, req, res, resource, ns, name, parseWatchQuery(q), tableRequestOf(req, q));
    case 'create': {
      const body = await readObjectBody(req, ctx.maxRequestBytes);
      const opts = writeOptions();
      if (sub) return answerWrite(201, await h.createSubresource(resource, ns, name, sub, body, opts));
      if (resource.group === '' && resource.resource === 'bindings') {
        // POST .../namespaces/<ns>/bindings is the older spelling of pods/<name>/binding.
        const pods = ctx.served.find('', 'v1', 'pods');
        const target = (body.metadata as { name?: unknown } | undefined)?.name;
        if (!pods || typeof target !== 'string' || target === '') throw errors.badRequest('a Binding needs metadata.name: the pod to bind');
        return answerWrite(201, await h.createSubresource(pods, ns, target, 'binding', body, opts));
      }
      return answerWrite(201, await h.create(resource, ns, body, opts));
    }
    case 'update': {
      const body = await readObjectBody(req, ctx.maxRequestBytes);
      const opts = writeOptions();
      const result = sub ? await h.updateSubresource(resource, ns, name, sub, body, opts) : await h.update(resource, ns, name, body, opts);
      return answerWrite(writeCode(result), result);
    }
    case 'patch': {
      const patchType = patchTypeOf(req.headers['content-type']);
      const patch = await readDecoded();
      if (patch === undefined) throw errors.badRequest('the body of a patch must not be empty');
      const opts = writeOptions(patchType === 'apply');
      const result = sub
        ? await h.patchSubresource(resource, ns, name, sub, patchType, patch, opts)
        : await h.patch(resource, ns, name, patchType, patch, opts);
      return answerWrite(writeCode(result), result);
    }
    case 'delete': {
      const opts = parseDeleteOptions(q, await readDecoded());
      return answer(200, (await h.delete(resource, ns, name, opts, user)).object);
    }
    case 'deletecollection': {
      const opts = parseDeleteOptions(q, await readDecoded());
      return answer(200, await h.deleteCollection(resource, ns, parseListQuery(q), opts, user));
    }
    default:
      throw errors.methodNotSupported(resource, info.verb);
  }
}
