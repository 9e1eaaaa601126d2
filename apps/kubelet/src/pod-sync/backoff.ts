/**
 * Per-key exponential back-off as the kubelet keeps it for crashing containers
 * (CrashLoopBackOff) and failing image pulls (ImagePullBackOff): 10 s doubling to 5 min.
 *
 * Times are event times, not "now": `next(key, finishedAt)` records that the container that
 * finished at `finishedAt` is being restarted, and `isInBackOffSince(key, finishedAt, now)`
 * says whether it is still too early to restart it. Worked example with the defaults:
 *   exits at t=0   → no entry: restart at once, delay becomes 10 s
 *   exits at t=5   → 5 s since exit < 10 s: back off; at t=15 restart, delay becomes 20 s
 *   exits at t=16  → wait until t=36, delay 40 s; … 80, 160, 300, 300 s
 * An entry whose last restart is older than `resetAfterMs` (10 min) starts over at 10 s, so a
 * container that ran for 10 minutes before crashing restarts at once again.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Idle time after which a key forgets its history; kubelet's is 2 × max. */
  resetAfterMs?: number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 10_000;
    this.maxMs = opts.maxMs ?? 300_000;
    this.resetAfterMs = opts.resetAfterMs ?? 2 * this.maxMs;
  }

  /** The current delay for the key (0 when it has none). */
  get(key: string): number {
    return this.#entries.get(key)?.delayMs ?? 0;
  }

  /** Records a restart at `eventTime` and grows the delay for the next one. */
  next(key: string, eventTime: number): number {
    const entry = this.#entries.get(key);
    const delayMs = !entry || eventTime - entry.lastUpdate > this.resetAfterMs ? this.initialMs : Math.min(entry.delayMs * 2, this.maxMs);
    this.#entries.set(key, { delayMs, lastUpdate: eventTime });
    return delayMs;
  }

  /** Whether `now` is still within the key's delay counted from `eventTime`. */
  isInBackOffSince(key: string, eventTime: number, now: number): boolean {
    const entry = this.#entries.get(key);
    if (!entry || now - entry.lastUpdate > this.resetAfterMs) return false;
    return now - eventTime < entry.delayMs;
  }

  /**
   * Whether `now` is still within the delay counted from the key's last `next()`: image pulls
   * back off from the last failed pull, not from an event of their own.
   */
  isInBackOffSinceUpdate(key: string, now: number): boolean {
    const entry = this.#entries.get(key);
    if (!entry || now - entry.lastUpdate > this.resetAfterMs) return false;
    return now - entry.lastUpdate < entry.delayMs;
  }

  /** When the back-off that started at `eventTime` ends (for requeueAfter). */
  expiresAt(key: string, eventTime: number): number {
    return eventTime + this.get(key);
  }

  /** When the back-off since the last `next()` ends. */
  expiresAtSinceUpdate(key: string): number {
    const entry = this.#entries.get(key);
    return entry ? entry.lastUpdate + entry.delayMs : 0;
  }

  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops entries idle for longer than resetAfterMs, so deleted pods do not leak keys. */
  gc(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.lastUpdate > this.resetAfterMs) this.#entries.delete(key);
    }
  }
}
