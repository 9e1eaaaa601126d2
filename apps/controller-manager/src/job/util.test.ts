import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIndexes, jobParams, parseIndexes, podBackoffMs } from './util.ts';

test('completed indexes: parse and format the interval form', () => {
  assert.deepEqual(parseIndexes('1,3-5,7'), [1, 3, 4, 5, 7]);
  assert.deepEqual(parseIndexes(''), []);
  assert.deepEqual(parseIndexes(undefined), []);
  assert.equal(formatIndexes([7, 1, 3, 4, 5, 4]), '1,3-5,7');
  assert.equal(formatIndexes([0, 1, 2]), '0-2');
  assert.equal(formatIndexes([]), '');
});

test('pod failure back-off: 0, 10 s doubling, capped at 6 min', () => {
  const table: [number, number][] = [
    [0, 0],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [6, 320_000],
    [7, 360_000],
    [50, 360_000],
  ];
  for (const [failures, ms] of table) assert.equal(podBackoffMs(failures), ms, `${failures} failures`);
});

test('jobParams applies upstream defaults for absent fields', () => {
  const template = { spec: { containers: [] } };
  assert.deepEqual(jobParams({ spec: { template } }), { parallelism: 1, completions: 1, backoffLimit: 6, indexed: false });
  assert.deepEqual(jobParams({ spec: { template, parallelism: 3 } }), { parallelism: 3, completions: undefined, backoffLimit: 6, indexed: false });
  assert.deepEqual(jobParams({ spec: { template, completions: 5, backoffLimit: 0, completionMode: 'Indexed' } }), {
    parallelism: 1,
    completions: 5,
    backoffLimit: 0,
    indexed: true,
  });
});
