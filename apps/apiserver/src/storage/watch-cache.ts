/**
 * The watch cache of one resource: ONE etcd watch over `/registry/<resource>/`, each event
 * decoded once into a buffer that every watcher of the resource reads with its own cursor
 * (a CacheReader: an absolute position in the stream of events), so events are never copied
 * per watcher and a slow watcher never blocks the others.
 *
 * The buffer keeps the last `capacity` events as history for watchers resuming from a
 * revision. Beyond that it keeps events some reader has not read yet, but at most `maxLag`
 * more: that is each watcher's bounded queue. A reader left behind when an event it has not
 * read is dropped ends alone with a 410 ERROR and relists (Kubernetes' answer to a slow watcher).
 *
 * `floor` is the revision after which the buffer is complete: every event with a revision
 * > floor is buffered. A watcher from revision N can be served iff N >= floor.
 */
import type { Etcd3, IKeyValue, IWatchCreateRequest, IWatchResponse, Watcher } from 'etcd3';
import type { ResourceInfo } from '@skiff/api';
import { apiVersionOf } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { type ApiError, errors } from '../errors.ts';
import { prefixFor } from './keys.ts';
import type { KubeObject } from './store.ts';
import { storageMetrics } from './storage-metrics.ts';
import type { ValueCodec } from './value-codec.ts';

export interface CachedEvent {
  /** etcd mod revision of the change (for a delete: the delete's revision). */
  revision: number;
  type: 'put' | 'delete';
  key: string;
  /** True when the put created the key (etcd version 1). */
  created: boolean;
  /** put: the new state; delete: the last state with resourceVersion = the delete revision. Shared: never mutate. */
  object: KubeObject;
  /** The state before this event (decoded on first use; only filtered watchers need it). */
  previous(): KubeObject | undefined;
}

export interface WatchCacheOptions {
  client: Etcd3;
  res: ResourceInfo;
  codec: ValueCodec;
  capacity: number;
  /** Unread events kept beyond `capacity` for readers that lag (default: capacity). */
  maxLag?: number;
  /** The cache starts complete after this revision: the etcd watch starts at startRevision + 1. */
  startRevision: number;
  logger?: Logger;
  /** Called once when the cache stops (closed or failed), so its owner forgets it. */
  onStop?: (cache: WatchCache) => void;
}

/** One watcher's cursor: the absolute position of the next event it reads. */
export interface CacheReader {
  pos: number;
}

export class WatchCache {
  readonly res: ResourceInfo;
  /** Every event with revision > floor is buffered. */
  floor: number;
  /** Highest revision known to be fully delivered into the buffer. */
  lastRevision: number;
  /** Set when the etcd watch ended for good (compaction, close): readers drain, then end with it. */
  failure: ApiError | undefined;

  /** Buffered events from index `offset` on; events[offset] has absolute position `head`. */
  private events: CachedEvent[] = [];
  private offset = 0;
  private head = 0;
  private readonly capacity: number;
  private readonly maxLag: number;
  private readonly readers = new Set<CacheReader>();
  private readonly waiters = new Set<() => void>();
  private readonly watcher: Watcher;
  private readonly codec: ValueCodec;
  private readonly logger: Logger | undefined;
  private readonly onStop: ((cache: WatchCache) => void) | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(opts: WatchCacheOptions) {
    this.res = opts.res;
    this.codec = opts.codec;
    this.logger = opts.logger;
    this.onStop = opts.onStop;
    this.capacity = Math.max(0, opts.capacity);
    this.maxLag = Math.max(1, opts.maxLag ?? opts.capacity);
    this.floor = opts.startRevision;
    this.lastRevision = opts.startRevision;
    this.watcher = opts.client
      .watch()
      .prefix(prefixFor(opts.res))
      .withPreviousKV()
      .startRevision(String(opts.startRevision + 1))
      .watcher();
    // etcd3 resumes a broken stream from the last *header* revision it saw, which can skip
    // events still in flight after a (re)connect; resume from what we actually buffered.
    // (etcd3 emits 'connecting' with the create request itself, despite its typings.)
    this.watcher.on('connecting', (req) => {
      (req as unknown as IWatchCreateRequest).start_revision = String(this.lastRevision + 1);
    });
    this.watcher.on('data', (res) => this.ingest(res));
    this.watcher.on('error', (err) => {
      const failure = /compacted/.test(err.message)
        ? errors.gone(`etcd watch on ${prefixFor(this.res)} was compacted: ${err.message}`)
        : errors.gone(`etcd watch on ${prefixFor(this.res)} failed: ${err.message}`);
      this.logger?.warn({ err, resource: this.res.resource }, 'watch cache: etcd watch ended, watchers must relist');
      this.stop(failure);
    });
  }

  get subscribers(): number {
    return this.readers.size;
  }

  /** Absolute position the next event will get. */
  private get tail(): number {
    return this.head + this.events.length - this.offset;
  }

  /** Position of the first event with revision > rev; callers ensure rev >= floor. */
  positionAfter(rev: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid)!.revision <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The event at `pos`; 'evicted' when it was dropped unread; undefined when not yet there. */
  eventAt(pos: number): CachedEvent | 'evicted' | undefined {
    if (pos < this.head) return 'evicted';
    if (pos >= this.tail) return undefined;
    return this.at(pos);
  }

  /** Calls `wake` once on the next event, failure or close; returns a function that cancels it. */
  onChange(wake: () => void): () => void {
    this.waiters.add(wake);
    return () => this.waiters.delete(wake);
  }

  /** A reader that gets every event with revision > fromRevision (which must be >= floor). */
  openReader(fromRevision: number): CacheReader {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    const reader = { pos: this.positionAfter(fromRevision) };
    this.readers.add(reader);
    return reader;
  }

  /** The etcd watch closes `lingerMs` after the last reader leaves (0: at once). */
  closeReader(reader: CacheReader, lingerMs: number): void {
    if (!this.readers.delete(reader)) return;
    if (this.readers.size > 0 || this.failure) return;
    if (lingerMs <= 0) {
      this.stop(errors.gone('watch cache closed'));
      return;
    }
    this.lingerTimer = setTimeout(() => {
      if (this.subscribers === 0) this.stop(errors.gone('watch cache closed'));
    }, lingerMs);
    this.lingerTimer.unref();
  }

  /** Ends the etcd watch; readers get `failure` after the events already buffered. */
  stop(failure: ApiError): void {
    if (this.failure) return;
    this.failure = failure;
    clearTimeout(this.lingerTimer);
    this.watcher.removeAllListeners('data');
    this.watcher.cancel().catch((err: unknown) => this.logger?.debug({ err }, 'watch cache: cancel failed'));
    this.onStop?.(this);
    this.wakeAll();
  }

  private at(pos: number): CachedEvent | undefined {
    return this.events[this.offset + pos - this.head];
  }

  private ingest(res: IWatchResponse): void {
    if (this.failure) return;
    if (res.events.length > 0) storageMetrics.watchCacheEvents.inc({ resource: this.res.resource }, res.events.length);
    for (const ev of res.events) {
      const revision = Number(ev.kv.mod_revision);
      if (revision <= this.lastRevision) continue; // replayed after a reconnect
      const event = this.decodeEvent(ev.type === 'Delete' ? 'delete' : 'put', ev.kv, ev.prev_kv, revision);
      if (event) this.append(event);
      this.lastRevision = revision;
    }
    // A progress notification (no events) promises every change up to its header revision was sent.
    if (res.events.length === 0 && res.header?.revision) {
      this.lastRevision = Math.max(this.lastRevision, Number(res.header.revision));
    }
    this.wakeAll();
  }

  private decodeEvent(type: 'put' | 'delete', kv: IKeyValue, prevKv: IKeyValue | undefined, revision: number): CachedEvent | undefined {
    const key = kv.key.toString();
    const codec = this.codec;
    try {
      let previous: KubeObject | undefined | null = null;
      const decodePrevious = (): KubeObject | undefined => {
        if (previous === null) previous = prevKv ? codec.decode(key, prevKv.value, prevKv.mod_revision) : undefined;
        return previous;
      };
      const object =
        type === 'put' ? codec.decode(key, kv.value, revision) : prevKv ? codec.decode(key, prevKv.value, revision) : this.tombstone(key, revision);
      return { revision, type, key, created: type === 'put' && kv.version === '1', object, previous: decodePrevious };
    } catch (err) {
      this.logger?.error({ err, key, revision }, 'watch cache: cannot decode stored value, event dropped');
      return undefined;
    }
  }

  /** A delete whose previous value etcd no longer has: enough for clients to drop the key. */
  private tombstone(key: string, revision: number): KubeObject {
    const parts = key.split('/');
    const name = parts[parts.length - 1];
    const namespace = this.res.namespaced ? parts[parts.length - 2] : undefined;
    return {
      apiVersion: apiVersionOf(this.res),
      kind: this.res.kind,
      metadata: { name, ...(namespace ? { namespace } : {}), resourceVersion: String(revision) },
    };
  }

  private append(event: CachedEvent): void {
    this.events.push(event);
    let size = this.tail - this.head;
    while (size > this.capacity) {
      if (size <= this.capacity + this.maxLag && this.hasReaderAt(this.head)) break;
      this.floor = this.at(this.head)!.revision;
      this.head++;
      this.offset++;
      size--;
    }
    // Drop the consumed front of the array now and then, not on every event.
    if (this.offset > 1024 && this.offset * 2 > this.events.length) {
      this.events = this.events.slice(this.offset);
      this.offset = 0;
    }
  }

  private hasReaderAt(pos: number): boolean {
    for (const reader of this.readers) if (reader.pos <= pos) return true;
    return false;
  }

  private wakeAll(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}
