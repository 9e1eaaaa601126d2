/**
 * Namespaces as the create path needs them, from a watch instead of a quorum read.
 *
 * Every namespaced create checks that its namespace exists and is not terminating. A live
 * read per create doubled the etcd round trips of a POST; kube's NamespaceLifecycle
 * admission reads an informer instead, and so does this. What the cache does not know
 * (a namespace created a moment ago, or the cache not yet synced) is read live, so a
 * brand-new namespace is never refused. A namespace goes Terminating (its finalizer keeps
 * it) before it disappears; when this apiserver wrote that change, it notes the revision,
 * and the cache answers for that namespace only once it has seen that revision (kube keeps
 * a "force live lookup" set for recently deleted namespaces for the same reason).
 */
import type { Logger } from '@skiff/log';
import { ApiError } from '../errors.ts';
import type { KubeObject, Store } from '../storage/store.ts';
import { namespacesResource } from './namespace-lifecycle.ts';

const RESTART_DELAY_MS = 1000;

export class NamespaceCache {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  #namespaces = new Map<string, KubeObject>();
  #synced = false;
  #started = false;
  /** name → the revision of this apiserver's last write to it, until the watch has caught up. */
  readonly #writes = new Map<string, number>();

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /** The namespace, or undefined when it does not exist (live read on a cache miss). */
  async get(name: string): Promise<KubeObject | undefined> {
    if (!this.#started) this.#start();
    const cached = this.#synced ? this.#namespaces.get(name) : undefined;
    const written = this.#writes.get(name);
    if (cached && (written === undefined || Number(cached.metadata.resourceVersion) >= written)) {
      this.#writes.delete(name);
      return cached;
    }
    try {
      return await this.#store.get(namespacesResource, undefined, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** This apiserver changed the namespace at `resourceVersion`: read it live until the watch shows that. */
  noteWrite(name: string, resourceVersion: string | undefined): void {
    const rv = Number(resourceVersion);
    if (Number.isFinite(rv)) this.#writes.set(name, rv);
  }

  close(): void {
    this.#abort.abort();
  }

  #start(): void {
    this.#started = true;
    void this.#run();
  }

  /** List, then watch from the list's revision; on any failure, forget everything and start over. */
  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const list = await this.#store.list(namespacesResource, undefined);
        this.#namespaces = new Map(list.items.map((ns) => [ns.metadata.name!, ns]));
        this.#synced = true;
        const events = this.#store.watch(namespacesResource, undefined, { resourceVersion: list.resourceVersion }, signal);
        for await (const event of events) {
          const ns = event.object as KubeObject;
          if (event.type === 'ERROR') break;
          if (event.type === 'DELETED') this.#namespaces.delete(ns.metadata.name!);
          else if (event.type === 'ADDED' || event.type === 'MODIFIED') this.#namespaces.set(ns.metadata.name!, ns);
        }
      } catch (err) {
        if (!signal.aborted) this.#logger.warn({ err }, 'namespace cache: watch failed; reading namespaces live until it recovers');
      }
      this.#synced = false;
      this.#namespaces.clear();
      if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS).unref());
    }
  }
}
