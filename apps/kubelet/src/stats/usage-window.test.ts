import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageWindow, type CumulativeSample } from './usage-window.ts';

const S = 1_000;
const windowOf = (points: [seconds: number, cpuSeconds: number][]) => {
  const w = new UsageWindow(15 * S);
  for (const [t, cpu] of points) w.add({ at: t * S, value: cpu * 1e9 });
  return w;
};

describe('UsageWindow', () => {
  const cases: { name: string; points: [number, number][]; rate: number | undefined; spanMs: number; latest?: CumulativeSample }[] = [
    { name: 'no point: no rate', points: [], rate: undefined, spanMs: 0 },
    { name: 'one point: no rate yet', points: [[0, 2]], rate: undefined, spanMs: 0 },
    {
      name: 'a fifth of a core over 15 s',
      points: [
        [0, 2],
        [5, 3],
        [10, 4],
        [15, 5],
      ],
      rate: 200_000_000,
      spanMs: 15 * S,
    },
    {
      name: 'the oldest point leaves the window',
      points: [
        [0, 0],
        [5, 3],
        [10, 4],
        [15, 5],
        [20, 6],
      ],
      rate: 200_000_000,
      spanMs: 15 * S,
    },
    {
      name: 'a point 15.5 s old still counts (collector tick jitter)',
      points: [
        [0, 1],
        [15.5, 4.1],
      ],
      rate: 200_000_000,
      spanMs: 15.5 * S,
    },
    {
      name: 'a burst inside the window averages over the window',
      points: [
        [0, 0],
        [5, 0],
        [10, 1.5],
        [15, 1.5],
      ],
      rate: 100_000_000,
      spanMs: 15 * S,
    },
    {
      name: 'idle: zero, not undefined',
      points: [
        [0, 7],
        [5, 7],
      ],
      rate: 0,
      spanMs: 5 * S,
    },
    {
      name: 'a repeated reading is ignored',
      points: [
        [0, 1],
        [5, 2],
        [5, 2],
      ],
      rate: 200_000_000,
      spanMs: 5 * S,
    },
    {
      name: 'a counter going backwards starts over',
      points: [
        [0, 50],
        [5, 51],
        [10, 0.2],
      ],
      rate: undefined,
      spanMs: 0,
      latest: { at: 10 * S, value: 0.2e9 },
    },
    {
      name: 'a gap longer than the window leaves only the new point',
      points: [
        [0, 1],
        [5, 2],
        [60, 20],
      ],
      rate: undefined,
      spanMs: 0,
      latest: { at: 60 * S, value: 20e9 },
    },
    {
      name: 'two cores busy',
      points: [
        [100, 10],
        [105, 20],
      ],
      rate: 2_000_000_000,
      spanMs: 5 * S,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const w = windowOf(c.points);
      assert.equal(w.rate(), c.rate);
      assert.equal(w.spanMs(), c.spanMs);
      if (c.latest) assert.deepEqual(w.latest(), c.latest);
    });
  }
});
