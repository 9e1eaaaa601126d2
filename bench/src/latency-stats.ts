/** Latency samples of one benchmark phase, and what the report prints from them. */
export interface PhaseResult {
  label: string;
  concurrency: number;
  count: number;
  elapsedMs: number;
  latenciesMs: number[];
}

export interface PhaseSummary {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Nearest-rank percentile over a sorted copy (p in 0..100). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function summarizePhase(result: PhaseResult): PhaseSummary {
  return {
    perSecond: result.count / (result.elapsedMs / 1000),
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
  };
}

/**
 * Runs `op(i)` for i in 0..count-1 with `concurrency` operations in flight, timing each,
 * and calls `onProgress(done)` about once a second. Any failed operation aborts the phase:
 * a benchmark that silently counts errors as fast writes would lie.
 */
export async function runPhase(
  label: string,
  count: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
  onProgress?: (done: number) => void,
): Promise<PhaseResult> {
  const latenciesMs: number[] = new Array(count);
  let next = 0;
  let done = 0;
  const ticker = onProgress ? setInterval(() => onProgress(done), 1000) : undefined;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < count) {
          const i = next++;
          const t0 = performance.now();
          await op(i);
          latenciesMs[i] = performance.now() - t0;
          done++;
        }
      }),
    );
  } finally {
    if (ticker) clearInterval(ticker);
  }
  return { label, concurrency, count, elapsedMs: performance.now() - started, latenciesMs };
}
