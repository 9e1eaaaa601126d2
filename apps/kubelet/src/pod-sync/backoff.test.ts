import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.ts';

test('crash-loop delays: 10 s doubling to 5 min', () => {
  const b = new Backoff();
  let t = 0;
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    delays.push(b.next('k', t) / 1000);
    t += b.get('k') + 1000; // the container restarts when allowed and crashes a second later
  }
  assert.deepEqual(delays, [10, 20, 40, 80, 160, 300, 300, 300]);
});

test('in back-off from the exit until the delay has passed', () => {
  const b = new Backoff();
  assert.equal(b.isInBackOffSince('k', 0, 1), false, 'a first crash restarts at once');
  b.next('k', 0);
  assert.equal(b.isInBackOffSince('k', 5_000, 14_999), true);
  assert.equal(b.isInBackOffSince('k', 5_000, 15_000), false);
  assert.equal(b.expiresAt('k', 5_000), 15_000);
  assert.equal(b.isInBackOffSince('other', 5_000, 6_000), false, 'keys are independent');
});

test('a container that ran for over 10 minutes starts over at 10 s', () => {
  const b = new Backoff();
  b.next('k', 0);
  b.next('k', 20_000);
  b.next('k', 60_000);
  assert.equal(b.get('k'), 40_000);
  assert.equal(b.next('k', 60_000 + 10 * 60_000 + 1), 10_000);
  // And the check itself forgets an idle entry.
  b.next('k', 0);
  assert.equal(b.isInBackOffSince('k', 0, 10 * 60_000 + 1), false);
});

test('image pulls back off from the last failure; gc drops idle keys', () => {
  const b = new Backoff({ initialMs: 1000, maxMs: 4000 });
  b.next('img', 100);
  assert.equal(b.isInBackOffSinceUpdate('img', 1099), true);
  assert.equal(b.isInBackOffSinceUpdate('img', 1100), false);
  assert.equal(b.expiresAtSinceUpdate('img'), 1100);
  b.gc(100 + 8000);
  assert.equal(b.get('img'), 1000, 'not idle long enough');
  b.gc(100 + 8001);
  assert.equal(b.get('img'), 0);
});
