/**
 * Lists over an etcd key prefix: quorum reads, server-side filtering, and consistent paging.
 * With `limit`, the first page's revision is pinned in the continue token and later pages
 * read that snapshot, exactly as kube-apiserver does; once etcd compacts the snapshot the
 * token expires (410). With a filter, a page keeps reading chunks until it has `limit`
 * matching items or the prefix ends, so pages are never emptied by the filter needlessly.
 */
import type { IKeyValue, IRangeRequest, IRangeResponse } from 'etcd3';
import type { ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import { decodeContinueToken, encodeContinueToken } from './continue-token.ts';
import { isCompactedError } from './deadline.ts';
import { prefixEnd, prefixFor } from './keys.ts';
import type { KubeObject, ListOptions, ListResult } from './store.ts';

export interface ListContext {
  res: ResourceInfo;
  namespace: string | undefined;
  opts: ListOptions;
  range(req: IRangeRequest): Promise<IRangeResponse>;
  decode(kv: IKeyValue, revision: string): KubeObject;
  currentRevision(): Promise<number>;
  lastCompactedRevision(): number;
}

/** With a filter, rows read per etcd round trip while filling one page. */
const FILTERED_CHUNK = 500;

/** A resourceVersion as an etcd revision; 400 when it is not a positive integer. */
export function parseRevision(value: string): number {
  const revision = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(revision)) {
    throw errors.badRequest(`invalid resource version "${value}": must be a decimal etcd revision`);
  }
  return revision;
}

export async function listObjects(ctx: ListContext): Promise<ListResult> {
  const { opts } = ctx;
  const prefix = prefixFor(ctx.res, ctx.namespace);
  const end = prefixEnd(prefix);
  let start: Buffer = Buffer.from(prefix);
  let revision = 0; // 0: the latest state, by quorum read
  if (opts.continue) {
    const token = decodeContinueToken(opts.continue);
    revision = token.revision;
    start = Buffer.from(prefix + token.start);
  } else if (opts.resourceVersion && opts.resourceVersion !== '0' && opts.resourceVersionMatch === 'Exact') {
    revision = parseRevision(opts.resourceVersion);
  }
  const limit = opts.limit && opts.limit > 0 ? Math.floor(opts.limit) : 0;
  const chunk = limit === 0 ? 0 : opts.filter ? Math.max(limit, FILTERED_CHUNK) : limit;

  const items: KubeObject[] = [];
  let nextKey: Buffer | undefined;
  let totalInRange: number | undefined;
  for (;;) {
    const resp = await readRange(ctx, { key: start, range_end: end, revision, limit: chunk }, opts);
    if (revision === 0) revision = Number(resp.header.revision);
    totalInRange ??= Number(resp.count);
    let stoppedAt = -1;
    for (let i = 0; i < resp.kvs.length; i++) {
      const kv = resp.kvs[i]!;
      const obj = ctx.decode(kv, kv.mod_revision);
      if (opts.filter && !opts.filter(obj)) continue;
      items.push(obj);
      if (limit && items.length === limit) {
        stoppedAt = i;
        break;
      }
    }
    const last = resp.kvs[resp.kvs.length - 1];
    if (stoppedAt >= 0) {
      if (stoppedAt < resp.kvs.length - 1 || resp.more) nextKey = afterKey(resp.kvs[stoppedAt]!.key);
      break;
    }
    if (!resp.more || !last) break;
    start = afterKey(last.key);
  }

  const result: ListResult = { items, resourceVersion: String(revision) };
  if (nextKey) {
    result.continue = encodeContinueToken({ revision, start: nextKey.subarray(Buffer.byteLength(prefix)).toString() });
    // Exact and free without a filter: etcd counted the keys of the range we read.
    if (!opts.filter && totalInRange !== undefined) result.remainingItemCount = Math.max(0, totalInRange - items.length);
  }
  return result;
}

async function readRange(ctx: ListContext, req: IRangeRequest, opts: ListOptions): Promise<IRangeResponse> {
  try {
    return await ctx.range(req);
  } catch (err) {
    if (isCompactedError(err)) {
      if (opts.continue) throw errors.expiredContinue();
      throw errors.gone(`too old resource version: ${String(req.revision)} (${ctx.lastCompactedRevision() || (await ctx.currentRevision())})`);
    }
    if (err instanceof Error && /future revision/.test(err.message)) {
      throw errors.timeout(`Too large resource version: ${String(req.revision)}, current: ${await ctx.currentRevision()}`);
    }
    throw err;
  }
}

/** The smallest key after `key`: where the next page starts. */
function afterKey(key: Buffer): Buffer {
  return Buffer.concat([key, Buffer.from([0])]);
}
