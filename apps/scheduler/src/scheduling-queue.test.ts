import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from './scheduling-queue.ts';

function newQueue(t: { after(fn: () => void): void }) {
  const clock = { now: 1_000_000 };
  const queue = new SchedulingQueue({ now: () => clock.now, flushIntervalMs: 3_600_000, unschedulableTimeoutMs: 60_000 });
  t.after(() => queue.close());
  return { queue, clock };
}

/** The next key if one is ready now, without leaving a waiter behind. */
async function popNow(queue: SchedulingQueue): Promise<string | undefined> {
  if (queue.lengths().active === 0) return undefined;
  return (await queue.pop())?.key;
}

test('FIFO, deduplicated, and a key in flight is not handed out twice', async (t) => {
  const { queue } = newQueue(t);
  queue.add('a');
  queue.add('b');
  queue.add('a');
  assert.equal(await popNow(queue), 'a');
  queue.add('a'); // while in flight: ignored
  assert.equal(await popNow(queue), 'b');
  assert.equal(await popNow(queue), undefined);
  queue.done('a');
  queue.add('a');
  assert.equal(await popNow(queue), 'a');
});

test('an unschedulable pod waits for a cluster event, then for its backoff', async (t) => {
  const { queue, clock } = newQueue(t);
  queue.add('p');
  const first = await queue.pop();
  queue.addUnschedulable('p', first!.cycle);
  queue.done('p');
  assert.ok(queue.isUnschedulable('p'));
  clock.now += 5_000;
  queue.flush();
  assert.equal(await popNow(queue), undefined, 'no event: stays parked');
  queue.moveAllToActiveOrBackoff();
  // 5 s since the failure > 1 s backoff: straight to active.
  assert.equal(await popNow(queue), 'p');
  queue.addUnschedulable('p', 1_000_000); // a cycle far after the last move request
  queue.done('p');
  queue.moveAllToActiveOrBackoff();
  assert.equal(await popNow(queue), undefined, 'second failure: 2 s backoff first');
  clock.now += 1_999;
  queue.flush();
  assert.equal(await popNow(queue), undefined);
  clock.now += 1;
  queue.flush();
  assert.equal(await popNow(queue), 'p');
});

test('an event during the scheduling cycle sends the failure to backoff, not to parking', async (t) => {
  const { queue, clock } = newQueue(t);
  queue.add('p');
  const item = await queue.pop();
  queue.moveAllToActiveOrBackoff(); // a node appeared while we were filtering
  queue.addUnschedulable('p', item!.cycle);
  queue.done('p');
  assert.equal(queue.isUnschedulable('p'), false);
  assert.deepEqual(queue.lengths(), { active: 0, backoff: 1, unschedulable: 0 });
  clock.now += 1_000;
  queue.flush();
  assert.equal(await popNow(queue), 'p');
});

test('backoff doubles per attempt and is capped at 10 s', async (t) => {
  const { queue, clock } = newQueue(t);
  const waits: number[] = [];
  queue.add('p');
  for (let attempt = 0; attempt < 6; attempt++) {
    assert.equal(await popNow(queue), 'p');
    queue.addBackoff('p');
    queue.done('p');
    let waited = 0;
    while ((queue.flush(), queue.lengths().active === 0)) {
      clock.now += 500;
      waited += 500;
    }
    waits.push(waited);
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('parked pods are retried after the unschedulable timeout even without events', async (t) => {
  const { queue, clock } = newQueue(t);
  queue.add('p');
  const item = await queue.pop();
  queue.addUnschedulable('p', item!.cycle);
  queue.done('p');
  clock.now += 59_000;
  queue.flush();
  assert.equal(await popNow(queue), undefined);
  clock.now += 1_000;
  queue.flush();
  assert.equal(await popNow(queue), 'p');
});

test('update moves a parked pod; delete forgets it; close releases waiters', async (t) => {
  const { queue, clock } = newQueue(t);
  queue.add('p');
  const item = await queue.pop();
  queue.addUnschedulable('p', item!.cycle);
  queue.done('p');
  clock.now += 2_000;
  queue.update('p');
  assert.equal(await popNow(queue), 'p');
  queue.done('p');
  queue.add('q');
  queue.delete('q');
  assert.equal(await popNow(queue), undefined);
  const waiting = queue.pop();
  queue.close();
  assert.equal(await waiting, undefined);
});

test('higher priority pops first; equal priorities in the order they entered the queue', async (t) => {
  const { queue, clock } = newQueue(t);
  queue.add('low-1', 0);
  clock.now += 1;
  queue.add('high', 1000);
  clock.now += 1;
  queue.add('low-2', 0);
  clock.now += 1;
  queue.add('negative', -5);
  clock.now += 1;
  queue.add('mid', 10);
  const order: (string | undefined)[] = [];
  for (let i = 0; i < 5; i++) order.push(await popNow(queue));
  assert.deepEqual(order, ['high', 'mid', 'low-1', 'low-2', 'negative']);
});

test('a retried pod queues behind equals that entered after it first did, but before lower priorities', async (t) => {
  const { queue, clock } = newQueue(t);
  queue.add('a', 5);
  const item = await queue.pop();
  clock.now += 10;
  queue.add('b', 5);
  queue.add('c', 1);
  queue.addBackoff('a');
  queue.done('a');
  clock.now += 5_000;
  queue.flush();
  assert.deepEqual([await popNow(queue), await popNow(queue), await popNow(queue)], ['b', 'a', 'c']);
  assert.equal(item?.key, 'a');
});

test('a deleted key leaves no trace in the order', async (t) => {
  const { queue } = newQueue(t);
  queue.add('x', 9);
  queue.add('y', 1);
  queue.delete('x');
  queue.add('x', 0);
  assert.deepEqual([await popNow(queue), await popNow(queue)], ['y', 'x']);
});

test('pods moved together reach a waiting scheduler by priority, not by the order they were parked', async (t) => {
  const { queue, clock } = newQueue(t);
  for (const [key, priority] of [
    ['low', 1],
    ['high', 100],
  ] as const) {
    queue.add(key, priority);
    const item = await queue.pop();
    queue.addUnschedulable(item!.key, 1_000_000);
    queue.done(item!.key);
  }
  clock.now += 5_000; // past both backoffs
  const waiting = queue.pop(); // the loop is idle, waiting for work
  queue.moveAllToActiveOrBackoff();
  assert.equal((await waiting)?.key, 'high');
  assert.equal(await popNow(queue), 'low');
});
