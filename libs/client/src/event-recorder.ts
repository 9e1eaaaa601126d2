import { hostname } from 'node:os';
import { findResourceByKind, type Event as CoreEvent } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { isNotFound } from './api-status-error.ts';
import type { RestClient } from './rest-client.ts';

const events = findResourceByKind('v1', 'Event')!;

/** Repeats of one event within this window bump its count instead of creating another. */
const AGGREGATION_WINDOW_MS = 10 * 60_000;
/** Per-object spam filter, as client-go's EventSourceObjectSpamFilter: burst 25, one token per 5 min. */
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 5 * 60_000;
/** Bounded memory and bounded write load: the oldest entries and the excess writes go. */
const MAX_ENTRIES = 4096;
const MAX_IN_FLIGHT = 8;
const MAX_QUEUED = 1000;

export interface EventObjectRef {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  /** The part of the object the event is about, e.g. `spec.containers{web}` (kubelet events). */
  fieldPath?: string;
}

export interface EventRecorderOptions {
  component: string;
  host?: string;
  logger?: Logger;
  /** For tests: the clock. */
  now?: () => number;
}

interface Entry {
  namespace: string;
  /** The Event's name once chosen; `created` says whether the server has it. */
  name: string;
  created: boolean;
  body: Record<string, unknown>;
  count: number;
  first: string;
  last: string;
  lastMs: number;
  writing: boolean;
  dirty: boolean;
}

interface Bucket {
  tokens: number;
  refilledMs: number;
}

/**
 * Records core v1 Events the way client-go's recorder + EventCorrelator do: fire and
 * forget, an identical event (same object, type, reason, message) within 10 minutes
 * bumps `count`/`lastTimestamp` on the existing Event, a per-object spam filter caps
 * the rate, and writes for one Event are coalesced so a burst costs one PATCH.
 * It never throws and never blocks the caller; write failures are logged at debug.
 */
export class EventRecorder {
  readonly #client: Pick<RestClient, 'create' | 'patch'>;
  readonly #component: string;
  readonly #host: string;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #waiting: (() => void)[] = [];
  #inFlight = 0;
  #idle: (() => void)[] = [];

  constructor(client: Pick<RestClient, 'create' | 'patch'>, opts: EventRecorderOptions) {
    this.#client = client;
    this.#component = opts.component;
    this.#host = opts.host ?? hostname();
    this.#logger = opts.logger;
    this.#now = opts.now ?? Date.now;
  }

  event(obj: EventObjectRef, type: 'Normal' | 'Warning', reason: string, message: string): void {
    try {
      this.#record(obj, type, reason, message);
    } catch (err) {
      this.#logger?.debug({ err, reason }, 'event not recorded');
    }
  }

  /** Resolves when no write is in flight or queued (tests, clean shutdown). */
  flush(): Promise<void> {
    if (this.#inFlight === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #record(obj: EventObjectRef, type: string, reason: string, message: string): void {
    const meta = obj.metadata;
    if (!meta?.name) return;
    const namespace = meta.namespace || 'default';
    const involved = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: meta.namespace || undefined,
      name: meta.name,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      ...(obj.fieldPath ? { fieldPath: obj.fieldPath } : {}),
    };
    const objectKey = [obj.kind, meta.namespace ?? '', meta.name, meta.uid ?? ''].join('/');
    const nowMs = this.#now();
    if (!this.#allow(objectKey, nowMs)) {
      this.#logger?.debug({ object: objectKey, reason }, 'event dropped by spam filter');
      return;
    }
    const key = [objectKey, obj.fieldPath ?? '', type, reason, message].join('\u0000');
    const stamp = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    let entry = this.#entries.get(key);
    if (entry && nowMs - entry.lastMs <= AGGREGATION_WINDOW_MS) {
      entry.count++;
      entry.last = stamp;
      entry.lastMs = nowMs;
      // Touch: Map order doubles as LRU order.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    } else {
      entry = {
        namespace,
        name: `${meta.name}.${eventSuffix(nowMs)}`,
        created: false,
        body: {
          involvedObject: involved,
          reason,
          message,
          type,
          source: { component: this.#component, host: this.#host },
          reportingComponent: this.#component,
          reportingInstance: this.#host,
        },
        count: 1,
        first: stamp,
        last: stamp,
        lastMs: nowMs,
        writing: false,
        dirty: false,
      };
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      while (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#flushEntry(entry);
  }

  /** Token bucket per involved object; idle buckets are pruned along the way. */
  #allow(objectKey: string, nowMs: number): boolean {
    let bucket = this.#buckets.get(objectKey);
    if (!bucket) {
      bucket = { tokens: SPAM_BURST, refilledMs: nowMs };
      this.#buckets.set(objectKey, bucket);
      if (this.#buckets.size > MAX_ENTRIES) this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    const refill = Math.floor((nowMs - bucket.refilledMs) / SPAM_REFILL_MS);
    if (refill > 0) {
      bucket.tokens = Math.min(SPAM_BURST, bucket.tokens + refill);
      bucket.refilledMs += refill * SPAM_REFILL_MS;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }

  /** One writer per entry; changes arriving mid-write are sent by one follow-up write. */
  #flushEntry(entry: Entry): void {
    if (entry.writing) {
      entry.dirty = true;
      return;
    }
    if (this.#waiting.length >= MAX_QUEUED) {
      this.#logger?.debug({ event: entry.name }, 'event dropped: too many writes queued');
      return;
    }
    entry.writing = true;
    void this.#writeLoop(entry);
  }

  async #writeLoop(entry: Entry): Promise<void> {
    await this.#acquire();
    try {
      do {
        entry.dirty = false;
        try {
          await this.#write(entry);
        } catch (err) {
          this.#logger?.debug({ err, event: `${entry.namespace}/${entry.name}` }, 'event write failed');
        }
      } while (entry.dirty);
    } finally {
      entry.writing = false;
      this.#release();
    }
  }

  async #write(entry: Entry): Promise<void> {
    if (entry.created) {
      try {
        await this.#client.patch(events, entry.namespace, entry.name, 'merge', {
          count: entry.count,
          lastTimestamp: entry.last,
        });
        return;
      } catch (err) {
        // Deleted meanwhile (namespace gone, TTL): record it afresh under the same name.
        if (!isNotFound(err)) throw err;
        entry.created = false;
      }
    }
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: entry.name, namespace: entry.namespace },
      ...entry.body,
      count: entry.count,
      firstTimestamp: entry.first,
      lastTimestamp: entry.last,
    } as CoreEvent;
    await this.#client.create(events, event, { namespace: entry.namespace });
    entry.created = true;
  }

  #acquire(): Promise<void> {
    if (this.#inFlight < MAX_IN_FLIGHT) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#waiting.push(() => {
        this.#inFlight++;
        resolve();
      }),
    );
  }

  #release(): void {
    this.#inFlight--;
    this.#waiting.shift()?.();
    if (this.#inFlight === 0 && this.#waiting.length === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}

/** Unique-enough name suffix as client-go makes it: the time in hex nanoseconds. */
let lastSuffixNs = 0n;
function eventSuffix(nowMs: number): string {
  let ns = BigInt(nowMs) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  if (ns <= lastSuffixNs) ns = lastSuffixNs + 1n;
  lastSuffixNs = ns;
  return ns.toString(16);
}
