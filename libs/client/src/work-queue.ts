import { createDefaultRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueOptions<K> {
  rateLimiter?: RateLimiter<K>;
}

/**
 * client-go's work queue: fair (FIFO) and stingy (a key is queued at most once, and never
 * handed to two workers at the same time).
 *
 * - `dirty` holds keys that need processing; `processing` holds keys a worker holds.
 * - add(k) while k is dirty is a no-op (deduplication).
 * - add(k) while k is processing only marks it dirty; done(k) then queues it again, so
 *   the change that arrived mid-sync is never lost and never processed concurrently.
 * - After shutDown, get() answers undefined at once, even with keys still queued, so
 *   workers stop promptly; delayed adds are cancelled.
 */
export class WorkQueue<K = string> {
  readonly #queue: K[] = [];
  readonly #dirty = new Set<K>();
  readonly #processing = new Set<K>();
  readonly #waiters: ((key: K | undefined) => void)[] = [];
  readonly #delayed = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  readonly #rateLimiter: RateLimiter<K>;
  #shuttingDown = false;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.#rateLimiter = opts.rateLimiter ?? createDefaultRateLimiter<K>();
  }

  add(key: K): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#queue.push(key);
    this.#handOut();
  }

  /** Adds after `ms`; of several pending delays for one key the earliest wins. */
  addAfter(key: K, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    this.#delayed.set(key, { at, timer });
  }

  /** Re-adds a failed key after its rate limiter's delay, counting the failure. */
  addRateLimited(key: K): void {
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** The key succeeded: its failure count (and backoff) start over. */
  forget(key: K): void {
    this.#rateLimiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /** The next key, waiting if none is queued; undefined once the queue is shut down. */
  get(): Promise<K | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    if (this.#queue.length > 0) return Promise.resolve(this.#take());
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The worker finished `key`; if it was re-added meanwhile it is queued again now. */
  done(key: K): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) {
      this.#queue.push(key);
      this.#handOut();
    }
  }

  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
    for (const resolve of this.#waiters.splice(0)) resolve(undefined);
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Keys queued and waiting for a worker (not those being processed or delayed). */
  len(): number {
    return this.#queue.length;
  }

  #take(): K {
    const key = this.#queue.shift() as K;
    this.#processing.add(key);
    this.#dirty.delete(key);
    return key;
  }

  #handOut(): void {
    while (this.#waiters.length > 0 && this.#queue.length > 0) {
      const resolve = this.#waiters.shift()!;
      resolve(this.#take());
    }
  }
}
