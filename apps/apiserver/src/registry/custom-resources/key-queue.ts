/**
 * A small serial work queue for the apiserver's own controllers (the apiserver does not load
 * libs/client): a key added while queued runs once, a key added while its sync runs runs again
 * after it, a failed sync is retried with backoff (1 s doubling to 30 s), and `{ requeueAfter }`
 * looks again later.
 */
import type { Logger } from '@skiff/log';

export type KeySync = (key: string) => Promise<void | { requeueAfter: number }>;

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export class KeyQueue {
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #sync: KeySync;
  readonly #logger: Logger;
  #running = false;
  #stopped = false;

  constructor(sync: KeySync, logger: Logger) {
    this.#sync = sync;
    this.#logger = logger;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#dirty.add(key);
    void this.#drain();
  }

  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.add(key);
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }

  stop(): void {
    this.#stopped = true;
    this.#dirty.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (!this.#stopped && this.#dirty.size > 0) {
        const key = this.#dirty.values().next().value!;
        this.#dirty.delete(key);
        await this.#run(key);
      }
    } finally {
      this.#running = false;
    }
  }

  async #run(key: string): Promise<void> {
    try {
      const result = await this.#sync(key);
      this.#failures.delete(key);
      if (result) this.addAfter(key, result.requeueAfter);
    } catch (err) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
      if (!this.#stopped) this.#logger.warn({ err, key, retryInMs: delay }, 'sync failed; retrying');
      this.addAfter(key, delay);
    }
  }
}
