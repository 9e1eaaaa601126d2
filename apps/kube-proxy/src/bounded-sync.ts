/**
 * Runs `fn` when asked, at most once per `minPeriodMs`, never twice at once, and coalescing
 * every request made meanwhile into one more run (kube-proxy's BoundedFrequencyRunner
 * without the periodic part). A failed run is retried after the period.
 */
export class BoundedSync {
  readonly #fn: () => Promise<void>;
  readonly #minPeriodMs: number;
  readonly #onError: (err: unknown) => void;
  #lastStart = -Infinity;
  #running = false;
  #pending = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(fn: () => Promise<void>, minPeriodMs: number, onError: (err: unknown) => void = () => {}) {
    this.#fn = fn;
    this.#minPeriodMs = minPeriodMs;
    this.#onError = onError;
  }

  /** Asks for a run; returns at once. */
  request(): void {
    if (this.#stopped) return;
    this.#pending = true;
    this.#schedule();
  }

  /** Stops scheduling; resolves once a run in progress has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#idle;
  }

  #schedule(): void {
    if (this.#running || this.#timer || !this.#pending || this.#stopped) return;
    const wait = Math.max(0, this.#lastStart + this.#minPeriodMs - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#idle = this.#runOnce();
    }, wait);
  }

  async #runOnce(): Promise<void> {
    if (this.#stopped) return;
    this.#pending = false;
    this.#running = true;
    this.#lastStart = performance.now();
    try {
      await this.#fn();
    } catch (err) {
      this.#pending = true;
      this.#onError(err);
    } finally {
      this.#running = false;
    }
    this.#schedule();
  }
}
