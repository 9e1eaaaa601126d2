/**
 * The store's watch caches: one shared WatchCache (one etcd watch) per resource, started
 * lazily by its first watcher and closed a short linger after its last one leaves. A watcher
 * asking for a revision older than what the shared buffer holds gets a dedicated etcd watch
 * from that revision, which stays its own until it ends.
 */
import type { Etcd3 } from 'etcd3';
import type { ResourceInfo } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { errors } from '../errors.ts';
import type { ValueCodec } from './value-codec.ts';
import { WatchCache, type CacheReader } from './watch-cache.ts';

export interface WatchSubscription {
  cache: WatchCache;
  reader: CacheReader;
  /** Idempotent. */
  release(): void;
}

export interface WatchCacheSetOptions {
  client: Etcd3;
  codec: ValueCodec;
  capacity: number;
  /** Unread events a lagging watcher may hold back beyond the history before it is cut off. */
  maxLag: number;
  lingerMs: number;
  logger?: Logger;
  /** Throws 410 (ApiError) when `revision` is compacted in etcd. */
  ensureRevisionAvailable(res: ResourceInfo, revision: number): Promise<void>;
}

export class WatchCacheSet {
  private readonly opts: WatchCacheSetOptions;
  private readonly shared = new Map<string, WatchCache>();
  private readonly dedicated = new Set<WatchCache>();
  private closed = false;

  constructor(opts: WatchCacheSetOptions) {
    this.opts = opts;
  }

  /** A subscription whose cache holds (or will receive) every event with revision > `from`. */
  async subscribe(res: ResourceInfo, from: number): Promise<WatchSubscription> {
    const id = `${res.group}/${res.resource}`;
    const running = this.shared.get(id);
    if (running && from >= running.floor) return this.attach(running, from, this.opts.lingerMs);

    await this.opts.ensureRevisionAvailable(res, from);
    if (this.closed) throw errors.serviceUnavailable('storage is shutting down');
    const current = this.shared.get(id); // may have started while we checked
    if (current && from >= current.floor) return this.attach(current, from, this.opts.lingerMs);
    if (!current) {
      const cache = this.startCache(res, from, this.opts.capacity, (c) => {
        if (this.shared.get(id) === c) this.shared.delete(id);
      });
      this.shared.set(id, cache);
      return this.attach(cache, from, this.opts.lingerMs);
    }
    // No history for a dedicated watch: it keeps only what its one reader has not read yet.
    const own = this.startCache(res, from, 0, (c) => this.dedicated.delete(c));
    this.dedicated.add(own);
    return this.attach(own, from, 0);
  }

  /** How many etcd watches are open (shared + dedicated). */
  etcdWatchCount(): number {
    return this.shared.size + this.dedicated.size;
  }

  watcherCount(): number {
    let n = 0;
    for (const cache of [...this.shared.values(), ...this.dedicated]) n += cache.subscribers;
    return n;
  }

  closeAll(): void {
    this.closed = true;
    for (const cache of [...this.shared.values(), ...this.dedicated]) cache.stop(errors.gone('storage closed'));
    this.shared.clear();
    this.dedicated.clear();
  }

  private startCache(res: ResourceInfo, from: number, capacity: number, onStop: (cache: WatchCache) => void): WatchCache {
    return new WatchCache({
      client: this.opts.client,
      res,
      codec: this.opts.codec,
      capacity,
      maxLag: this.opts.maxLag,
      startRevision: from,
      onStop,
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
    });
  }

  private attach(cache: WatchCache, from: number, lingerMs: number): WatchSubscription {
    const reader = cache.openReader(from);
    return { cache, reader, release: () => cache.closeReader(reader, lingerMs) };
  }
}
