import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialFailureRateLimiter, MaxOfRateLimiter, TokenBucketRateLimiter, createDefaultRateLimiter } from './rate-limiter.ts';

describe('ExponentialFailureRateLimiter', () => {
  it('doubles from 5 ms per failure and caps at 1000 s', () => {
    const limiter = new ExponentialFailureRateLimiter(5, 1_000_000);
    const table: [failure: number, delayMs: number][] = [
      [1, 5],
      [2, 10],
      [3, 20],
      [4, 40],
      [10, 2560],
      [18, 655_360],
      [19, 1_000_000],
      [40, 1_000_000],
      [2000, 1_000_000],
    ];
    let failures = 0;
    for (const [failure, delay] of table) {
      let got = 0;
      while (failures < failure) {
        got = limiter.when('k');
        failures++;
      }
      assert.equal(got, delay, `failure ${failure}`);
    }
    assert.equal(limiter.numRequeues('k'), 2000);
  });

  it('counts keys separately and forgets one', () => {
    const limiter = new ExponentialFailureRateLimiter(5, 1000);
    limiter.when('a');
    limiter.when('a');
    assert.equal(limiter.when('b'), 5);
    limiter.forget('a');
    assert.equal(limiter.numRequeues('a'), 0);
    assert.equal(limiter.when('a'), 5);
  });
});

describe('TokenBucketRateLimiter', () => {
  it('lets a burst through, then spaces calls at 1/qps, refilling with time', () => {
    let now = 1_000_000;
    const limiter = new TokenBucketRateLimiter(10, 3, () => now);
    const delays = [limiter.when('a'), limiter.when('b'), limiter.when('c'), limiter.when('d'), limiter.when('e')];
    assert.deepEqual(delays.map(Math.round), [0, 0, 0, 100, 200]);
    // After 1 s, 10 tokens accrued on -2: 8, capped at the burst of 3.
    now += 1000;
    assert.deepEqual([limiter.when('f'), limiter.when('g'), limiter.when('h'), Math.round(limiter.when('i'))], [0, 0, 0, 100]);
    // Half a token later the reservation queue shrinks by 50 ms.
    now += 50;
    assert.equal(Math.round(limiter.when('j')), 150);
  });
});

describe('MaxOfRateLimiter', () => {
  it('answers the larger delay and the larger requeue count', () => {
    const now = 0;
    const limiter = new MaxOfRateLimiter(new ExponentialFailureRateLimiter(5, 1_000_000), new TokenBucketRateLimiter(10, 2, () => now));
    assert.equal(limiter.when('k'), 5); // bucket: 0, backoff: 5
    assert.equal(limiter.when('k'), 10); // bucket: 0, backoff: 10
    assert.equal(Math.round(limiter.when('other')), 100); // bucket empty: 100, backoff: 5
    assert.equal(limiter.numRequeues('k'), 2);
    limiter.forget('k');
    assert.equal(limiter.numRequeues('k'), 0);
  });

  it('the default limiter starts at 5 ms', () => {
    const limiter = createDefaultRateLimiter();
    assert.equal(limiter.when('x'), 5);
    assert.equal(limiter.when('x'), 10);
  });
});
