import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './work-queue.ts';
import { ExponentialFailureRateLimiter } from './rate-limiter.ts';
import { runWorkers, TerminalError, type SyncResult } from './run-workers.ts';

function fastQueue(): WorkQueue<string> {
  return new WorkQueue<string>({ rateLimiter: new ExponentialFailureRateLimiter(1, 4) });
}

describe('runWorkers', () => {
  it('waits for every informer to sync before the first sync', async () => {
    const queue = fastQueue();
    let synced = false;
    const seen: string[] = [];
    queue.add('a');
    const controller = new AbortController();
    const running = runWorkers({
      queue,
      informers: [{ hasSynced: () => true }, { hasSynced: () => synced }],
      signal: controller.signal,
      sync: async (key) => {
        assert.ok(synced, 'sync ran before the caches synced');
        seen.push(key);
        controller.abort();
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.deepEqual(seen, []);
    synced = true;
    await running;
    assert.deepEqual(seen, ['a']);
  });

  it('retries a failing key with backoff, forgets it on success', async () => {
    const queue = fastQueue();
    const controller = new AbortController();
    let calls = 0;
    queue.add('k');
    await runWorkers({
      queue,
      signal: controller.signal,
      sync: async () => {
        calls++;
        if (calls < 4) throw new Error('not yet');
        assert.equal(queue.numRequeues('k'), 3);
        setTimeout(() => controller.abort(), 20);
      },
    });
    assert.equal(calls, 4);
    assert.equal(queue.numRequeues('k'), 0);
  });

  it('drops a key after maxRetries and a TerminalError at once', async () => {
    const queue = fastQueue();
    const controller = new AbortController();
    const calls = new Map<string, number>();
    const logged: string[] = [];
    const logger = {
      warn: (fields: { key: string }) => logged.push(`warn ${fields.key}`),
      error: (fields: { key: string }) => logged.push(`error ${fields.key}`),
      debug: () => {},
    };
    queue.add('flaky');
    queue.add('broken');
    setTimeout(() => controller.abort(), 300);
    await runWorkers({
      queue,
      signal: controller.signal,
      maxRetries: 3,
      logger: logger as never,
      sync: async (key) => {
        calls.set(key, (calls.get(key) ?? 0) + 1);
        if (key === 'broken') throw new TerminalError('bad spec');
        throw new Error('always');
      },
    });
    assert.equal(calls.get('broken'), 1);
    assert.equal(calls.get('flaky'), 4, 'the first try plus 3 retries');
    assert.deepEqual(logged.sort(), ['error broken', 'warn flaky']);
  });

  it('requeues after { requeueAfter } and never runs one key on two workers', async () => {
    const queue = fastQueue();
    const controller = new AbortController();
    let active = 0;
    let maxActive = 0;
    let calls = 0;
    queue.add('k');
    await runWorkers({
      queue,
      workers: 4,
      signal: controller.signal,
      sync: async (): Promise<SyncResult> => {
        active++;
        maxActive = Math.max(maxActive, active);
        calls++;
        queue.add('k'); // an event arriving mid-sync
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        if (calls === 5) controller.abort();
        return calls < 3 ? { requeueAfter: 10 } : undefined;
      },
    });
    assert.equal(maxActive, 1);
    assert.equal(calls, 5);
  });
});
