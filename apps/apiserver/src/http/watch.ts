/**
 * Watch streams: HTTP 200, chunked JSON, one `{"type":...,"object":...}` per line,
 * written as each event arrives. The stream ends at the watch timeout, when the client
 * goes away, or when the server shuts down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { ResourceInfo } from '@skiff/api';
import type { Logger } from '@skiff/log';
import type { ApiHandlers, WatchQuery } from '../registry/handlers.ts';
import type { KubeObject, WatchEvent } from '../storage/store.ts';
import { sendError, toApiError } from './respond.ts';
import { toTable, type TableRequest } from './tables/index.ts';

export interface WatchContext {
  handlers: ApiHandlers;
  logger: Logger;
  /** Aborted when the server shuts down: every watch ends. */
  shutdown: AbortSignal;
  /** kube's --min-request-timeout: watches without timeoutSeconds last a random [min, 2*min) seconds. */
  minRequestTimeoutSeconds: number;
}

/** A watch on a named object is a watch of its collection filtered to that name, as in kube. */
export function withNameSelector(query: WatchQuery, name: string): WatchQuery {
  if (!name) return query;
  const byName = `metadata.name=${name}`;
  return { ...query, fieldSelector: query.fieldSelector ? `${query.fieldSelector},${byName}` : byName };
}

/** Node's timers hold 32 bits: a longer delay would fire at once. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * `timeoutSeconds`, or kube's random default when it is absent or 0; a negative one
 * ends the watch at once, as kube's already-expired context does.
 */
export function watchTimeoutMs(query: WatchQuery, minRequestTimeoutSeconds: number): number {
  if (query.timeoutSeconds !== undefined && query.timeoutSeconds !== 0) return Math.min(maxTimerMs, Math.max(0, query.timeoutSeconds * 1000));
  return Math.floor((minRequestTimeoutSeconds + Math.random() * minRequestTimeoutSeconds) * 1000);
}

function encodeEvent(res: ResourceInfo, ev: WatchEvent, table: TableRequest | undefined, first: boolean): string {
  if (table && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) {
    const t = toTable(res, ev.object as KubeObject, table);
    // Column definitions travel with the first event only; clients keep them.
    if (!first) t.columnDefinitions = [];
    return `${JSON.stringify({ type: ev.type, object: t })}\n`;
  }
  return `${JSON.stringify(ev)}\n`;
}

/** Writes one chunk, waiting for the socket to drain when the client reads slowly. */
async function writeChunk(res: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (res.write(text)) return;
  await Promise.race([once(res, 'drain'), once(signal, 'abort')]);
}

/** Serves `GET ...?watch=true`; resolves when the stream has ended. Returns the HTTP code sent. */
export async function serveWatch(
  ctx: WatchContext,
  req: IncomingMessage,
  res: ServerResponse,
  resource: ResourceInfo,
  namespace: string | undefined,
  name: string,
  query: WatchQuery,
  table: TableRequest | undefined,
): Promise<number> {
  const controller = new AbortController();
  const { signal } = controller;
  const stop = (): void => controller.abort();
  const timer = setTimeout(stop, watchTimeoutMs(query, ctx.minRequestTimeoutSeconds));
  res.on('close', stop);
  req.on('close', () => {
    if (!res.writableFinished) stop();
  });
  ctx.shutdown.addEventListener('abort', stop, { once: true });
  const cleanup = (): void => {
    clearTimeout(timer);
    ctx.shutdown.removeEventListener('abort', stop);
  };

  let events: AsyncIterable<WatchEvent>;
  try {
    events = await ctx.handlers.watch(resource, namespace, withNameSelector(query, name), signal);
  } catch (err) {
    cleanup();
    controller.abort();
    const apiErr = toApiError(err);
    // Too old a resourceVersion: client-go expects 200 and one ERROR event carrying the 410 Status.
    if (apiErr.code !== 410) return sendError(res, err, ctx.logger, { resource: resource.resource, ns: namespace });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(`${JSON.stringify({ type: 'ERROR', object: apiErr.toStatus() })}\n`);
    return 200;
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let first = true;
  try {
    for await (const ev of events) {
      if (signal.aborted) break;
      await writeChunk(res, encodeEvent(resource, ev, table, first), signal);
      first = false;
    }
  } catch (err) {
    if (!signal.aborted) {
      const apiErr = toApiError(err);
      if (apiErr.code >= 500) ctx.logger.error({ err, resource: resource.resource, ns: namespace }, 'watch failed');
      if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type: 'ERROR', object: apiErr.toStatus() })}\n`);
    }
  } finally {
    cleanup();
    controller.abort();
    if (!res.writableEnded) res.end();
  }
  return 200;
}
