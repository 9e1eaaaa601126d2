import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from './duration.ts';

test("durations parse like kubectl's --timeout", () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('5'), 5_000);
  assert.equal(parseDuration('0'), 0);
  assert.throws(() => parseDuration('soon'), /invalid duration "soon"/);
});
