/** Reads: get, list (with selectors, paging) and watch, each answering typed objects. */
import { apiVersionOf, SelectorError, type ResourceInfo } from '@skiff/api';
import { ApiError, errors } from '../errors.ts';
import type { KubeObject, ObjectFilter, WatchEvent } from '../storage/store.ts';
import type { DeleteOptions, ListQuery, WatchQuery } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { compileFilter } from './api-deps.ts';
import { deleteOne } from './delete.ts';
import { withTypeMeta } from './object-helpers.ts';

export function compileSelectors(res: ResourceInfo, labelSelector?: string, fieldSelector?: string): ObjectFilter | undefined {
  try {
    return compileFilter(res, labelSelector, fieldSelector);
  } catch (err) {
    if (err instanceof SelectorError) throw errors.badRequest(err.message);
    throw err;
  }
}

export async function getObject(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
  return withTypeMeta(res, await ctx.store.get(res, namespace, name));
}

function listObject(res: ResourceInfo, items: KubeObject[], meta: { resourceVersion: string; continue?: string; remainingItemCount?: number }): KubeObject {
  const metadata: Record<string, unknown> = { resourceVersion: meta.resourceVersion };
  if (meta.continue) metadata.continue = meta.continue;
  if (meta.remainingItemCount !== undefined) metadata.remainingItemCount = meta.remainingItemCount;
  return { apiVersion: apiVersionOf(res), kind: res.listKind, metadata, items: items.map((o) => withTypeMeta(res, o)) };
}

export async function listObjects(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, query: ListQuery): Promise<KubeObject> {
  const filter = compileSelectors(res, query.labelSelector, query.fieldSelector);
  const result = await ctx.store.list(res, namespace, {
    filter,
    limit: query.limit,
    continue: query.continue,
    resourceVersion: query.resourceVersion,
    resourceVersionMatch: query.resourceVersionMatch,
  });
  return listObject(res, result.items, result);
}

export async function watchObjects(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  query: WatchQuery,
  signal: AbortSignal,
): Promise<AsyncIterable<WatchEvent>> {
  const filter = compileSelectors(res, query.labelSelector, query.fieldSelector);
  const events = ctx.store.watch(
    res,
    namespace,
    {
      filter,
      resourceVersion: query.resourceVersion,
      allowWatchBookmarks: query.allowWatchBookmarks,
    },
    signal,
  );
  return typeEvents(res, events);
}

async function* typeEvents(res: ResourceInfo, events: AsyncIterable<WatchEvent>): AsyncIterable<WatchEvent> {
  for await (const event of events) {
    // ERROR events carry a Status, which keeps its own type.
    if (event.type !== 'ERROR') withTypeMeta(res, event.object as KubeObject);
    yield event;
  }
}

/** DELETE on a collection: every selected object goes through the single-object rules. */
export async function deleteCollection(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  query: ListQuery,
  opts: DeleteOptions,
): Promise<KubeObject> {
  const filter = compileSelectors(res, query.labelSelector, query.fieldSelector);
  const listed = await ctx.store.list(res, namespace, { filter, limit: query.limit, continue: query.continue });
  const done: KubeObject[] = [];
  for (const item of listed.items) {
    try {
      const outcome = await deleteOne(ctx, res, item.metadata.namespace, item.metadata.name ?? '', { ...opts, preconditions: undefined });
      done.push(outcome.object);
    } catch (err) {
      // Deleted by someone else meanwhile: nothing left to do for it.
      if (err instanceof ApiError && err.code === 404) continue;
      throw err;
    }
  }
  return listObject(res, done, { resourceVersion: listed.resourceVersion });
}
