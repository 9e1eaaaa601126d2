/**
 * Backoff between replacing failed daemon pods on one node (upstream's failedPodsBackoff:
 * 1 s doubling to 15 min), so a pod that fails at once is not recreated in a hot loop.
 */
export const INITIAL_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 15 * 60 * 1000;

export class FailedPodBackoff {
  readonly #entries = new Map<string, { delay: number; until: number }>();

  /** Milliseconds left before the key may act again (0: now). */
  remaining(key: string, now: number): number {
    const entry = this.#entries.get(key);
    return entry ? Math.max(0, entry.until - now) : 0;
  }

  /** The key acts now: the next wait doubles (forgotten after twice the maximum of quiet). */
  next(key: string, now: number): void {
    const entry = this.#entries.get(key);
    const stale = entry && now - entry.until > 2 * MAX_BACKOFF_MS;
    const delay = !entry || stale ? INITIAL_BACKOFF_MS : Math.min(entry.delay * 2, MAX_BACKOFF_MS);
    this.#entries.set(key, { delay, until: now + delay });
  }
}
