import type { KubeObject } from './rest-client.ts';
import { deepFreeze } from './deep-freeze.ts';

/** Maps an object to the index values it is filed under (none: not indexed). */
export type IndexFunc<T> = (obj: T) => string[];

/** 'namespace/name', or 'name' for cluster-scoped objects: the work-queue key format. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export const indexByNamespace: IndexFunc<KubeObject> = (obj) => (obj.metadata?.namespace ? [obj.metadata.namespace] : []);
export const indexByOwnerUid: IndexFunc<KubeObject> = (obj) => (obj.metadata?.ownerReferences ?? []).map((ref) => ref.uid);
export const indexByNodeName: IndexFunc<KubeObject> = (obj) => {
  const nodeName = (obj as { spec?: { nodeName?: string } }).spec?.nodeName;
  return nodeName ? [nodeName] : [];
};

/** The changes that turn one cache content into another (a relist's events). */
export interface CacheDiff<T> {
  added: T[];
  updated: { old: T; new: T }[];
  deleted: T[];
}

/**
 * An informer's store: objects by namespace then name ('' for cluster-scoped), frozen on
 * the way in, plus named indexes kept up to date on every change. Pure and synchronous,
 * so the diff and index logic is unit-tested without a server.
 */
export class InformerCache<T extends KubeObject> {
  readonly #objects = new Map<string, Map<string, T>>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → object keys */
  readonly #indices = new Map<string, Map<string, Set<string>>>();
  #size = 0;

  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.#indexers.has(name)) throw new Error(`informer cache: index ${name} already exists`);
    this.#indexers.set(name, fn);
    this.#indices.set(name, new Map());
    for (const obj of this.list()) this.#indexObject(name, fn, obj);
  }

  hasIndex(name: string): boolean {
    return this.#indexers.has(name);
  }

  byIndex(name: string, value: string): T[] {
    const index = this.#indices.get(name);
    if (!index) throw new Error(`informer cache: no index named ${name}`);
    return [...(index.get(value) ?? [])].map((key) => this.getByKey(key)!).filter(Boolean);
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#objects.get(namespace ?? '')?.get(name);
  }

  getByKey(key: string): T | undefined {
    const { namespace, name } = splitKey(key);
    return this.get(namespace, name);
  }

  /** Every object, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace !== undefined) return [...(this.#objects.get(namespace)?.values() ?? [])];
    const all: T[] = [];
    for (const byName of this.#objects.values()) all.push(...byName.values());
    return all;
  }

  keys(): string[] {
    return this.list().map(objectKey);
  }

  get size(): number {
    return this.#size;
  }

  /** Stores (and freezes) `obj`; answers the object it replaced, if any. */
  upsert(obj: T): T | undefined {
    deepFreeze(obj);
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    let byName = this.#objects.get(ns);
    if (!byName) this.#objects.set(ns, (byName = new Map()));
    const old = byName.get(name);
    if (old) this.#unindex(old);
    else this.#size++;
    byName.set(name, obj);
    for (const [indexName, fn] of this.#indexers) this.#indexObject(indexName, fn, obj);
    return old;
  }

  /** Removes the object with `obj`'s namespace and name; answers what was cached. */
  remove(obj: KubeObject): T | undefined {
    const ns = obj.metadata?.namespace ?? '';
    const byName = this.#objects.get(ns);
    const name = obj.metadata?.name ?? '';
    const old = byName?.get(name);
    if (!byName || !old) return undefined;
    byName.delete(name);
    if (byName.size === 0) this.#objects.delete(ns);
    this.#size--;
    this.#unindex(old);
    return old;
  }

  /**
   * Replaces the whole content with a fresh list and answers the difference: what is new,
   * what changed (by resourceVersion), and what vanished while we were not watching.
   */
  replace(objs: T[]): CacheDiff<T> {
    const diff = diffCache(this, objs);
    for (const obj of diff.deleted) this.remove(obj);
    // Unchanged objects keep their cached (already frozen) instance.
    for (const obj of diff.added) this.upsert(obj);
    for (const { new: obj } of diff.updated) this.upsert(obj);
    return diff;
  }

  #indexObject(indexName: string, fn: IndexFunc<T>, obj: T): void {
    const index = this.#indices.get(indexName)!;
    const key = objectKey(obj);
    for (const value of new Set(fn(obj))) {
      let keys = index.get(value);
      if (!keys) index.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  #unindex(obj: T): void {
    const key = objectKey(obj);
    for (const [indexName, fn] of this.#indexers) {
      const index = this.#indices.get(indexName)!;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}

/**
 * Compares a cache with a fresh list. Objects whose resourceVersion did not change are
 * not reported as updated: a relist after a short disconnect stays quiet.
 */
export function diffCache<T extends KubeObject>(cache: InformerCache<T>, fresh: T[]): CacheDiff<T> {
  const diff: CacheDiff<T> = { added: [], updated: [], deleted: [] };
  const seen = new Set<string>();
  for (const obj of fresh) {
    const key = objectKey(obj);
    seen.add(key);
    const old = cache.getByKey(key);
    if (!old) diff.added.push(obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion || old.metadata?.uid !== obj.metadata?.uid) {
      diff.updated.push({ old, new: obj });
    }
  }
  for (const obj of cache.list()) if (!seen.has(objectKey(obj))) diff.deleted.push(obj);
  return diff;
}
