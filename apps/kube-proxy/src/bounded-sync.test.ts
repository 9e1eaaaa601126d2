import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BoundedSync } from './bounded-sync.ts';

test('coalesces a burst into one run now and one after the period', async () => {
  const starts: number[] = [];
  const runner = new BoundedSync(async () => {
    starts.push(performance.now());
    await sleep(10);
  }, 150);
  try {
    for (let i = 0; i < 20; i++) runner.request();
    await sleep(50);
    for (let i = 0; i < 20; i++) runner.request();
    await sleep(500);
    assert.equal(starts.length, 2);
    assert.ok(starts[1]! - starts[0]! >= 145, `second run waited the period: ${starts[1]! - starts[0]!} ms`);
  } finally {
    await runner.stop();
  }
});

test('never runs twice at once and retries a failure', async () => {
  let active = 0;
  let maxActive = 0;
  let calls = 0;
  const errors: unknown[] = [];
  const runner = new BoundedSync(
    async () => {
      calls++;
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(30);
      active--;
      if (calls === 1) throw new Error('boom');
    },
    20,
    (err) => errors.push(err),
  );
  try {
    runner.request();
    await sleep(5);
    runner.request();
    await sleep(300);
    assert.equal(maxActive, 1);
    assert.equal(calls, 2, 'the failed run is retried once, coalesced with the request made meanwhile');
    assert.equal(errors.length, 1);
  } finally {
    await runner.stop();
  }
});

test('stop prevents further runs', async () => {
  let calls = 0;
  const runner = new BoundedSync(async () => {
    calls++;
  }, 10);
  await runner.stop();
  runner.request();
  await sleep(30);
  assert.equal(calls, 0);
});
