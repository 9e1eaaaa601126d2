/**
 * One watcher's view of a WatchCache: its cursor, its namespace and filter, its bookmarks.
 * Kubernetes' filter semantics: an object that stops matching the selector is reported as
 * DELETED (its previous state at the event's revision), one that starts matching as ADDED.
 */
import type { ResourceInfo } from '@skiff/api';
import { apiVersionOf } from '@skiff/api';
import { errors } from '../errors.ts';
import { prefixFor } from './keys.ts';
import type { KubeObject, ObjectFilter, WatchEvent } from './store.ts';
import type { CacheReader, CachedEvent, WatchCache } from './watch-cache.ts';

export interface WatchStreamOptions {
  res: ResourceInfo;
  namespace: string | undefined;
  filter: ObjectFilter | undefined;
  /** Events with revision > fromRevision are delivered. */
  fromRevision: number;
  /** Synthetic ADDED events sent first (the state at fromRevision). */
  initial: KubeObject[];
  /** Bookmark interval in ms, or undefined for no bookmarks. */
  bookmarkIntervalMs: number | undefined;
  signal: AbortSignal;
}

export async function* streamWatchEvents(cache: WatchCache, reader: CacheReader, opts: WatchStreamOptions): AsyncGenerator<WatchEvent> {
  const { res, filter, signal } = opts;
  const keyPrefix = prefixFor(res, opts.namespace);
  const matches = (obj: KubeObject | undefined): boolean => obj !== undefined && (!filter || filter(obj));
  let delivered = opts.fromRevision;
  let nextBookmarkAt = opts.bookmarkIntervalMs ? Date.now() + opts.bookmarkIntervalMs : undefined;

  for (const object of opts.initial) {
    if (signal.aborted) return;
    yield { type: 'ADDED', object };
  }
  while (!signal.aborted) {
    const event = cache.eventAt(reader.pos);
    if (event === 'evicted') {
      yield errorEvent(errors.gone(`too old resource version: ${delivered} (${cache.floor}): the watch fell too far behind`));
      return;
    }
    if (event) {
      reader.pos++;
      // A reader can start ahead of what the cache has received (it listed at a newer
      // revision); the older events still on their way are already in its list.
      if (event.revision <= opts.fromRevision) continue;
      delivered = event.revision;
      if (!event.key.startsWith(keyPrefix)) continue;
      const out = toWatchEvent(event, matches);
      if (out) yield out;
      continue;
    }
    if (cache.failure) {
      yield errorEvent(cache.failure);
      return;
    }
    // Caught up: every event up to lastRevision has been seen, so a bookmark there is honest.
    if (nextBookmarkAt !== undefined && Date.now() >= nextBookmarkAt) {
      delivered = Math.max(delivered, cache.lastRevision);
      yield { type: 'BOOKMARK', object: { kind: res.kind, apiVersion: apiVersionOf(res), metadata: { resourceVersion: String(delivered) } } };
      nextBookmarkAt = Date.now() + opts.bookmarkIntervalMs!;
      continue;
    }
    await waitForChange(cache, signal, nextBookmarkAt);
  }
}

function toWatchEvent(event: CachedEvent, matches: (obj: KubeObject | undefined) => boolean): WatchEvent | undefined {
  if (event.type === 'delete') {
    return matches(event.object) ? { type: 'DELETED', object: event.object } : undefined;
  }
  const nowMatches = matches(event.object);
  if (event.created) return nowMatches ? { type: 'ADDED', object: event.object } : undefined;
  const previous = event.previous();
  const wasMatching = previous === undefined ? nowMatches : matches(previous);
  if (nowMatches && wasMatching) return { type: 'MODIFIED', object: event.object };
  if (nowMatches) return { type: 'ADDED', object: event.object };
  if (wasMatching && previous) {
    const gone = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(event.revision) } };
    return { type: 'DELETED', object: gone };
  }
  return undefined;
}

function errorEvent(err: { toStatus(): unknown }): WatchEvent {
  return { type: 'ERROR', object: err.toStatus() as Record<string, unknown> };
}

/** Resolves on the cache's next change, the bookmark time, or abort; leaves no listener behind. */
function waitForChange(cache: WatchCache, signal: AbortSignal, wakeAt: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      cancel();
      signal.removeEventListener('abort', done);
      clearTimeout(timer);
      resolve();
    };
    const cancel = cache.onChange(done);
    signal.addEventListener('abort', done, { once: true });
    if (wakeAt !== undefined) timer = setTimeout(done, Math.max(0, wakeAt - Date.now()));
  });
}
