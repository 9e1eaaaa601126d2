import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './work-queue.ts';
import { ExponentialFailureRateLimiter } from './rate-limiter.ts';

/** Resolves with the next key, or 'pending' if none arrives within `ms`. */
async function getWithin<K>(queue: WorkQueue<K>, ms: number): Promise<K | undefined | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  try {
    return await Promise.race([queue.get(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('WorkQueue', () => {
  it('hands keys out in FIFO order and deduplicates queued keys', async () => {
    const queue = new WorkQueue();
    for (const key of ['a', 'b', 'a', 'c', 'b']) queue.add(key);
    assert.equal(queue.len(), 3);
    assert.deepEqual([await queue.get(), await queue.get(), await queue.get()], ['a', 'b', 'c']);
    assert.equal(queue.len(), 0);
    queue.shutDown();
  });

  it('never hands one key to two workers at once', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const first = await queue.get();
    assert.equal(first, 'a');
    queue.add('a');
    assert.equal(queue.len(), 0, 'a key being processed is not queued again');
    assert.equal(await getWithin(queue, 30), 'pending');
    queue.shutDown();
  });

  it('re-runs a key re-added while processing, once, after done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const key = (await queue.get())!;
    queue.add('a');
    queue.add('a');
    queue.done(key);
    assert.equal(queue.len(), 1);
    assert.equal(await queue.get(), 'a');
    queue.done('a');
    assert.equal(queue.len(), 0);
    queue.shutDown();
  });

  it('does not re-run a key that was not re-added', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.done((await queue.get())!);
    assert.equal(queue.len(), 0);
    assert.equal(await getWithin(queue, 20), 'pending');
    queue.shutDown();
  });

  it('wakes a waiting get() when a key arrives', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    setTimeout(() => queue.add('late'), 5);
    assert.equal(await waiting, 'late');
    queue.shutDown();
  });

  it('answers undefined after shutDown, to waiters and later callers, and ignores adds', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    assert.equal(await waiting, undefined);
    queue.add('x');
    assert.equal(await queue.get(), undefined);
    assert.equal(queue.shuttingDown, true);
  });

  it('addAfter adds after the delay, and the earliest of two delays wins', async () => {
    const queue = new WorkQueue();
    const start = Date.now();
    queue.addAfter('a', 200);
    queue.addAfter('a', 40);
    assert.equal(queue.len(), 0);
    assert.equal(await queue.get(), 'a');
    const waited = Date.now() - start;
    assert.ok(waited >= 35 && waited < 190, `waited ${waited} ms`);
    queue.done('a');
    // The later 200 ms delay was superseded, not kept as a second add.
    assert.equal(await getWithin(queue, 250), 'pending');
    queue.shutDown();
  });

  it('addAfter with no delay adds at once; shutDown cancels pending delays', async () => {
    const queue = new WorkQueue();
    queue.addAfter('now', 0);
    assert.equal(queue.len(), 1);
    queue.addAfter('later', 10);
    queue.shutDown();
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(queue.len(), 1, 'the delayed key never arrived');
  });

  it('addRateLimited counts failures and backs off; forget resets', async () => {
    const queue = new WorkQueue({ rateLimiter: new ExponentialFailureRateLimiter(20, 1000) });
    queue.addRateLimited('k');
    assert.equal(queue.numRequeues('k'), 1);
    assert.equal(queue.len(), 0, 'the first retry waits 20 ms');
    assert.equal(await queue.get(), 'k');
    queue.done('k');
    queue.addRateLimited('k');
    assert.equal(queue.numRequeues('k'), 2);
    queue.forget('k');
    assert.equal(queue.numRequeues('k'), 0);
    queue.shutDown();
  });
});
