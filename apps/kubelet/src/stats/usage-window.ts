/**
 * A CPU rate from cumulative counters, the way metrics-server computes one: two points of a
 * cumulative usage counter (CPU nanoseconds since the container started) and the time between them.
 * The sampler adds a point every few seconds; the window keeps the points of the last `windowMs`
 * and the rate spans the oldest to the newest of them.
 *
 * Worked example (window 15 s, a point every 5 s, a container burning 0.2 of a core):
 *   t=0 s  2.0e9 ns,  t=5 s  3.0e9 ns,  t=10 s  4.0e9 ns,  t=15 s  5.0e9 ns
 *   rate at t=15 s = (5.0e9 - 2.0e9) ns / 15 s = 2.0e8 ns/s = 200_000_000 nanocores = 200m.
 *   At t=20 s (6.0e9) the t=0 point has left the window: (6.0e9 - 3.0e9) / 15 s, still 200m.
 */

/** One reading of a cumulative counter: `at` is when the counter was read (ms since the epoch). */
export interface CumulativeSample {
  at: number;
  value: number;
}

/**
 * Points read on a period drift by the source's own granularity (Docker's stats collector ticks
 * once a second): a point this much older than the window still counts, so a 5 s period keeps
 * its fourth point back instead of dropping it for being 15.2 s old.
 */
const EDGE_TOLERANCE_MS = 1_000;

export class UsageWindow {
  readonly #windowMs: number;
  #samples: CumulativeSample[] = [];

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /**
   * Adds a point. A point not newer than the last is ignored (the same reading seen twice); a
   * counter that went backwards belongs to a new process (a restart under the same id), so the
   * window starts over from it.
   */
  add(sample: CumulativeSample): void {
    const last = this.#samples.at(-1);
    if (last && sample.at <= last.at) return;
    if (last && sample.value < last.value) this.#samples = [];
    this.#samples.push(sample);
    const oldest = sample.at - this.#windowMs - EDGE_TOLERANCE_MS;
    // After a gap longer than the window (Docker was down) every older point goes: a rate across
    // the gap would average a stale stretch, so the new point waits for a successor.
    while (this.#samples.length > 1 && this.#samples[0]!.at < oldest) this.#samples.shift();
  }

  /** The newest point, for the cumulative value and the time the figures carry. */
  latest(): CumulativeSample | undefined {
    return this.#samples.at(-1);
  }

  /** How much time the rate spans (ms), 0 with fewer than two points. */
  spanMs(): number {
    return this.#samples.length < 2 ? 0 : this.#samples.at(-1)!.at - this.#samples[0]!.at;
  }

  /** Counter units per second over the window (nanocores for a nanosecond counter); undefined until two points exist. */
  rate(): number | undefined {
    const span = this.spanMs();
    if (span <= 0) return undefined;
    const delta = this.#samples.at(-1)!.value - this.#samples[0]!.value;
    return Math.round((delta / span) * 1_000);
  }
}
