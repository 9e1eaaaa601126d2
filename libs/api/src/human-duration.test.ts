import { describe, test, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatAge, humanDuration, goDuration } from './human-duration.ts';

describe('humanDuration', () => {
  it('matches kubectl at each boundary', () => {
    const s = 1000,
      m = 60 * s,
      h = 60 * m,
      d = 24 * h;
    const cases: [number, string][] = [
      [-5 * s, '<invalid>'],
      [-500, '0s'],
      [0, '0s'],
      [59 * s, '59s'],
      [119 * s, '119s'],
      [2 * m, '2m'],
      [2 * m + 5 * s, '2m5s'],
      [9 * m + 59 * s, '9m59s'],
      [10 * m + 30 * s, '10m'],
      [179 * m, '179m'],
      [3 * h, '3h'],
      [3 * h + 10 * m, '3h10m'],
      [8 * h + 30 * m, '8h'],
      [47 * h, '47h'],
      [2 * d, '2d'],
      [2 * d + 5 * h, '2d5h'],
      [8 * d + 5 * h, '8d'],
      [400 * d, '400d'],
      [730 * d, '2y'],
      [800 * d, '2y70d'],
      [9 * 365 * d, '9y'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
  });

  it('formats timestamps against now', () => {
    const now = Date.parse('2026-01-01T01:00:00Z');
    assert.equal(formatAge('2026-01-01T00:59:15Z', now), '45s');
    assert.equal(formatAge(undefined, now), '<unknown>');
    assert.equal(formatAge('garbage', now), '<unknown>');
  });
});

test('humanDuration matches kubectl at every boundary', () => {
  const table: [number, string][] = [
    [0, '0s'],
    [5, '5s'],
    [119, '119s'],
    [120, '2m'],
    [192, '3m12s'],
    [600, '10m'],
    [179 * 60, '179m'],
    [3 * 3600, '3h'],
    [5 * 3600 + 4 * 60, '5h4m'],
    [20 * 3600, '20h'],
    [3 * 86400 + 4 * 3600, '3d4h'],
    [20 * 86400, '20d'],
    [(2 * 365 + 31) * 86400, '2y31d'],
    [9 * 365 * 86400, '9y'],
  ];
  for (const [s, want] of table) assert.equal(humanDuration(s * 1000), want, `${s}s`);
});

test('timeouts print as Go durations, as kubectl\'s "global timeout reached" does', () => {
  assert.equal(goDuration(7_000), '7s');
  assert.equal(goDuration(60_000), '1m0s');
  assert.equal(goDuration(5_400_000), '1h30m0s');
  assert.equal(goDuration(500), '500ms');
});
