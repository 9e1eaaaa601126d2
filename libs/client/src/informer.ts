import type { ResourceInfo } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { sleep } from './sleep.ts';
import { isResourceExpired, ApiStatusError } from './api-status-error.ts';
import { deepFreeze } from './deep-freeze.ts';
import { InformerCache, indexByNamespace, indexByNodeName, indexByOwnerUid, type IndexFunc } from './informer-cache.ts';
import type { KubeObject, RestClient, WatchEvent } from './rest-client.ts';

export interface InformerOptions {
  client: Pick<RestClient, 'list' | 'watch'>;
  resource: ResourceInfo;
  /** Watch one namespace; absent means all. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver every cached object as an update (old === new) this often; 0/absent: never. */
  resyncPeriodMs?: number;
  /** Reconnect backoff: 1 s doubling to 30 s by default. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  logger?: Logger;
}

export const NAMESPACE_INDEX = 'namespace';
export const OWNER_UID_INDEX = 'ownerUid';
export const NODE_NAME_INDEX = 'nodeName';

type AddHandler<T> = (obj: T) => void;
type UpdateHandler<T> = (oldObj: T, newObj: T) => void;
type DeleteHandler<T> = (obj: T) => void;

/**
 * List-then-watch into a local cache, the way client-go's shared informer does.
 *
 * The list gives the content and a resourceVersion; the watch continues from it with
 * bookmarks so the resourceVersion stays fresh even when nothing changes. A dropped
 * connection re-watches from the last resourceVersion after a backoff (1 s → 30 s); a 410
 * (the revision was compacted) relists and delivers deletes for whatever vanished, so
 * handlers always converge on the server's state. Cached objects are deeply frozen.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly #opts: InformerOptions;
  readonly #cache = new InformerCache<T>();
  readonly #addHandlers: AddHandler<T>[] = [];
  readonly #updateHandlers: UpdateHandler<T>[] = [];
  readonly #deleteHandlers: DeleteHandler<T>[] = [];
  readonly #syncWaiters: (() => void)[] = [];
  #synced = false;
  #resourceVersion: string | undefined;
  #abort: AbortController | undefined;
  #running: Promise<void> | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #name: string;

  constructor(opts: InformerOptions) {
    this.#opts = opts;
    this.#name = opts.resource.group ? `${opts.resource.resource}.${opts.resource.group}` : opts.resource.resource;
    this.#cache.addIndex(NAMESPACE_INDEX, indexByNamespace as IndexFunc<T>);
    this.#cache.addIndex(OWNER_UID_INDEX, indexByOwnerUid as IndexFunc<T>);
    if (opts.resource.kind === 'Pod') this.#cache.addIndex(NODE_NAME_INDEX, indexByNodeName as IndexFunc<T>);
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    this.#cache.addIndex(name, fn);
  }

  byIndex(name: string, value: string): T[] {
    return this.#cache.byIndex(name, value);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#cache.get(namespace, name);
  }

  getByKey(key: string): T | undefined {
    return this.#cache.getByKey(key);
  }

  list(namespace?: string): T[] {
    return this.#cache.list(namespace);
  }

  /** Handlers added after objects arrived are first told about each of them, as client-go does. */
  onAdd(handler: AddHandler<T>): void {
    this.#addHandlers.push(handler);
    for (const obj of this.#cache.list()) this.#call(() => handler(obj));
  }

  onUpdate(handler: UpdateHandler<T>): void {
    this.#updateHandlers.push(handler);
  }

  onDelete(handler: DeleteHandler<T>): void {
    this.#deleteHandlers.push(handler);
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves after the first list landed in the cache (or at once if it has). */
  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  /** The resourceVersion the cache reflects (last list, event or bookmark). */
  get lastSyncResourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  /** Starts the list/watch loop in the background; stop() or the signal ends it. */
  start(signal?: AbortSignal): void {
    if (this.#running) return;
    const abort = new AbortController();
    this.#abort = abort;
    signal?.addEventListener('abort', () => abort.abort(), { once: true });
    if (signal?.aborted) abort.abort();
    this.#running = this.#runLoop(abort.signal);
    const period = this.#opts.resyncPeriodMs ?? 0;
    if (period > 0) this.#resyncTimer = setInterval(() => this.#resync(), period);
  }

  async stop(): Promise<void> {
    this.#abort?.abort();
    clearInterval(this.#resyncTimer);
    await this.#running;
  }

  async #runLoop(signal: AbortSignal): Promise<void> {
    const initialBackoff = this.#opts.initialBackoffMs ?? 1000;
    const maxBackoff = this.#opts.maxBackoffMs ?? 30_000;
    let backoff = initialBackoff;
    const log = this.#opts.logger;
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) await this.#relist(signal);
        // Sync waiters run before we get here and may have stopped us already.
        if (signal.aborted) break;
        const healthy = await this.#watch(signal);
        if (healthy) backoff = initialBackoff;
        if (this.#resourceVersion !== undefined && healthy) continue;
      } catch (err) {
        if (signal.aborted) break;
        if (isResourceExpired(err)) {
          log?.info({ resource: this.#name }, 'watch resourceVersion expired; relisting');
          this.#resourceVersion = undefined;
          continue;
        }
        log?.warn({ err, resource: this.#name, backoffMs: backoff }, 'list/watch failed; retrying');
      }
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, maxBackoff);
    }
    clearInterval(this.#resyncTimer);
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const { client, resource, namespace, labelSelector, fieldSelector } = this.#opts;
    const list = await client.list<T>(resource, namespace, { labelSelector, fieldSelector, signal });
    const items = list.items.map((item) => withTypeMeta(item, resource));
    const diff = this.#cache.replace(items);
    this.#resourceVersion = list.metadata.resourceVersion;
    for (const obj of diff.deleted) this.#emitDelete(obj);
    for (const obj of diff.added) this.#emitAdd(obj);
    for (const { old, new: obj } of diff.updated) this.#emitUpdate(old, obj);
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#syncWaiters.splice(0)) resolve();
    }
  }

  /**
   * One watch stream from the current resourceVersion. Answers whether it was healthy
   * (it delivered at least one event, so the server was fine and a quick re-watch is
   * right); an immediately closed stream gets the backoff instead of a hot loop.
   */
  async #watch(signal: AbortSignal): Promise<boolean> {
    const { client, resource, namespace, labelSelector, fieldSelector } = this.#opts;
    // A randomized server-side timeout (5-10 min, as client-go) spreads re-watches out.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    let events = 0;
    const stream = client.watch<T>(resource, namespace, {
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: true,
      labelSelector,
      fieldSelector,
      timeoutSeconds,
      signal,
    });
    for await (const event of stream) {
      events++;
      this.#apply(event);
    }
    return events > 0;
  }

  #apply(event: WatchEvent<T>): void {
    if (event.type === 'ERROR') throw new ApiStatusError(event.object, `watch ${this.#name}`);
    const obj = event.object;
    const rv = obj.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (rv) this.#resourceVersion = rv;
      return;
    }
    withTypeMeta(obj, this.#opts.resource);
    if (event.type === 'DELETED') {
      // Handlers get the event's final state of the object, frozen like everything cached.
      this.#cache.remove(obj);
      this.#emitDelete(deepFreeze(obj));
    } else {
      const old = this.#cache.upsert(obj);
      if (old) this.#emitUpdate(old, obj);
      else this.#emitAdd(obj);
    }
    if (rv) this.#resourceVersion = rv;
  }

  #resync(): void {
    for (const obj of this.#cache.list()) this.#emitUpdate(obj, obj);
  }

  #emitAdd(obj: T): void {
    for (const handler of this.#addHandlers) this.#call(() => handler(obj));
  }

  #emitUpdate(old: T, obj: T): void {
    for (const handler of this.#updateHandlers) this.#call(() => handler(old, obj));
  }

  #emitDelete(obj: T): void {
    for (const handler of this.#deleteHandlers) this.#call(() => handler(obj));
  }

  /** Handlers must not throw (they only enqueue); one that does is logged, not fatal. */
  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#opts.logger?.error({ err, resource: this.#name }, 'informer event handler threw');
    }
  }
}

/** Lists omit each item's apiVersion/kind; put them back so cached objects are complete. */
function withTypeMeta<T extends KubeObject>(obj: T, res: ResourceInfo): T {
  if (!obj.kind && !Object.isFrozen(obj)) {
    obj.apiVersion = res.group ? `${res.group}/${res.version}` : res.version;
    obj.kind = res.kind;
  }
  return obj;
}
