import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, runPhase, summarizePhase } from './latency-stats.ts';

describe('percentile', () => {
  const table: [number[], number, number][] = [
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99, 10],
    [[10, 1, 5], 50, 5],
    [[7], 99, 7],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 99, 990],
  ];
  for (const [samples, p, want] of table) {
    it(`p${p} of ${samples.length} samples is ${want}`, () => assert.equal(percentile(samples, p), want));
  }
  it('is NaN without samples', () => assert.ok(Number.isNaN(percentile([], 50))));
});

describe('runPhase', () => {
  it('runs every operation once with bounded concurrency', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const seen: number[] = [];
    const result = await runPhase('t', 50, 4, async (i) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(i);
      inFlight--;
    });
    assert.equal(maxInFlight, 4);
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(result.latenciesMs.length, 50);
    assert.ok(
      result.latenciesMs.every((ms) => ms > 0),
      'every operation timed',
    );
    assert.ok(summarizePhase(result).perSecond > 0);
  });

  it('fails the phase when an operation fails', async () => {
    await assert.rejects(
      runPhase('t', 10, 2, async (i) => {
        if (i === 5) throw new Error('boom');
      }),
      /boom/,
    );
  });
});
