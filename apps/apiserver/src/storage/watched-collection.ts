/**
 * The apiserver's own informers: one collection of a resource kept current by list-then-watch
 * (relisting after any failure), for the decisions that must not read etcd per request —
 * admission (default storage class, NodeRestriction), authorization (RBAC rules, the Node
 * authorizer's graph) and token authentication (is the pod a token is bound to still there?).
 *
 * WatchedCollections hands out one collection per resource, shared by every reader, started on
 * first use; `synced` resolves once its first list is in. Listeners hear every change after
 * that (with the object before and after), so indexes built on top stay consistent.
 * A change written a moment ago may not be seen yet, exactly as with kube's informers.
 */
import type { ResourceInfo } from '@skiff/api';
import type { Logger } from '@skiff/log';
import type { KubeObject, Store } from './store.ts';

const RESTART_DELAY_MS = 1000;

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export type CollectionListener = (current: KubeObject | undefined, previous: KubeObject | undefined) => void;

export class WatchedCollection {
  readonly #objects = new Map<string, KubeObject>();
  readonly #listeners = new Set<CollectionListener>();
  readonly #store: Store;
  readonly #res: ResourceInfo;
  readonly #logger: Logger;
  readonly synced: Promise<void>;
  #isSynced = false;

  constructor(store: Store, res: ResourceInfo, logger: Logger, signal: AbortSignal) {
    this.#store = store;
    this.#res = res;
    this.#logger = logger;
    this.synced = new Promise<void>((resolve, reject) => {
      void this.#run(signal, resolve, reject);
    });
    // A failed first list is the starter's to report (bootstrap retries); never unhandled.
    this.synced.catch(() => undefined);
  }

  get isSynced(): boolean {
    return this.#isSynced;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#objects.get(objectKey(namespace, name));
  }

  /** Every object, or those of one namespace. */
  *values(namespace?: string): Iterable<KubeObject> {
    for (const obj of this.#objects.values()) {
      if (namespace === undefined || obj.metadata.namespace === namespace) yield obj;
    }
  }

  get size(): number {
    return this.#objects.size;
  }

  /** Hears every change from now on; a relist reports additions, changes and removals too. Returns the unsubscribe. */
  onChange(listener: CollectionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(obj: KubeObject): void {
    const key = objectKey(obj.metadata.namespace, obj.metadata.name!);
    const previous = this.#objects.get(key);
    this.#objects.set(key, obj);
    this.#emit(obj, previous);
  }

  #remove(obj: KubeObject): void {
    const key = objectKey(obj.metadata.namespace, obj.metadata.name!);
    const previous = this.#objects.get(key);
    if (!previous) return;
    this.#objects.delete(key);
    this.#emit(undefined, previous);
  }

  #emit(current: KubeObject | undefined, previous: KubeObject | undefined): void {
    for (const listener of this.#listeners) {
      try {
        listener(current, previous);
      } catch (err) {
        this.#logger.error({ err, resource: this.#res.resource }, 'watched collection listener failed');
      }
    }
  }

  #replace(items: KubeObject[]): void {
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj.metadata.namespace, obj.metadata.name!));
      this.#set(obj);
    }
    for (const [key, obj] of [...this.#objects]) if (!seen.has(key)) this.#remove(obj);
  }

  async #run(signal: AbortSignal, listed: () => void, failed: (err: unknown) => void): Promise<void> {
    let first = true;
    while (!signal.aborted) {
      try {
        const list = await this.#store.list(this.#res, undefined);
        this.#replace(list.items);
        if (first) {
          this.#isSynced = true;
          listed();
        }
        first = false;
        for await (const event of this.#store.watch(this.#res, undefined, { resourceVersion: list.resourceVersion }, signal)) {
          if (event.type === 'ERROR') break;
          const obj = event.object as KubeObject;
          if (event.type === 'DELETED') this.#remove(obj);
          else if (event.type === 'ADDED' || event.type === 'MODIFIED') this.#set(obj);
        }
      } catch (err) {
        if (first) return failed(err);
        if (!signal.aborted) this.#logger.warn({ err, resource: this.#res.resource }, 'watched collection: watch failed; relisting');
      }
      if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS).unref());
    }
  }
}

/** One collection per resource for the whole apiserver; closing stops every watch. */
export class WatchedCollections {
  readonly #collections = new Map<string, WatchedCollection>();
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #abort = new AbortController();

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** The collection of `res`, started on first use. Await its `synced` before trusting an absence. */
  of(res: ResourceInfo): WatchedCollection {
    const key = `${res.group}/${res.resource}`;
    let collection = this.#collections.get(key);
    if (!collection) {
      collection = new WatchedCollection(this.#store, res, this.#logger, this.#abort.signal);
      this.#collections.set(key, collection);
      // A first list that failed is retried by the next caller (bootstrap retries as a whole).
      collection.synced.catch(() => {
        if (this.#collections.get(key) === collection) this.#collections.delete(key);
      });
    }
    return collection;
  }

  close(): void {
    this.#abort.abort();
  }
}
