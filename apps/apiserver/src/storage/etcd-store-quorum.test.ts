import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ApiError } from '../errors.ts';
import { createEtcdStore, type EtcdStore } from './etcd-store.ts';
import type { WatchEvent } from './store.ts';
import { nameOf, pod, pods, takeEvents } from './testing/fixtures.ts';
import { startTestEtcd, type TestEtcdCluster } from './testing/etcd-process.ts';

const TIMEOUT_MS = 1500;
let etcd: TestEtcdCluster;
let store: EtcdStore;

before(async () => {
  etcd = await startTestEtcd(3, 21009); // clients 21010/21012/21014, peers 21011/21013/21015
  store = createEtcdStore({ endpoints: etcd.endpoints, requestTimeoutMs: TIMEOUT_MS, compactionIntervalMs: 0 });
});
after(async () => {
  await store?.close();
  await etcd?.stop();
});

async function timed<T>(op: () => Promise<T>): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    await op();
    return { err: undefined, ms: Date.now() - t0 };
  } catch (err) {
    return { err, ms: Date.now() - t0 };
  }
}

it('answers 504 within the deadline without quorum, and recovers when members return', async () => {
  await store.create(pods, pod('q1'));
  assert.equal((await store.get(pods, 'default', 'q1')).metadata.name, 'q1');
  const ac = new AbortController();
  const watch = store.watch(pods, 'default', { resourceVersion: '' }, ac.signal)[Symbol.asyncIterator]();
  assert.deepEqual((await takeEvents(watch, 1)).map(nameOf), ['q1']);

  await etcd.members[1]!.kill();
  await etcd.members[2]!.kill();
  const ops: Array<() => Promise<unknown>> = [() => store.get(pods, 'default', 'q1'), () => store.list(pods, undefined), () => store.create(pods, pod('q2'))];
  for (const op of ops) {
    const { err, ms } = await timed(op);
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    assert.equal(err.code, 504);
    assert.equal(err.reason, 'Timeout');
    assert.ok(ms < TIMEOUT_MS + 500, `failed after ${ms}ms, deadline ${TIMEOUT_MS}ms`);
    if (process.env.DEBUG_STORAGE) console.log(ms, err.message);
  }
  assert.equal(await store.ping(), false);

  etcd.members[1]!.start();
  etcd.members[2]!.start();
  const t0 = Date.now();
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      assert.equal((await store.get(pods, 'default', 'q1')).metadata.name, 'q1');
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  if (process.env.DEBUG_STORAGE) console.log('recovered after', Date.now() - t0);
  // The first write after quorum returns may still miss the short deadline while a restarted
  // member catches up or a leader is elected; it must succeed soon, not necessarily at once. A
  // timed-out attempt may have been committed anyway, so AlreadyExists counts as done.
  for (const writeDeadline = Date.now() + 15_000; ; ) {
    const { err } = await timed(() => store.create(pods, pod('q3')));
    if (err === undefined || (err instanceof ApiError && err.code === 409)) break;
    assert.ok(err instanceof ApiError && err.code === 504 && Date.now() < writeDeadline, `write did not recover: ${String(err)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // A ping may land on a member that has just restarted and is still catching up with
  // the leader (its linearizable read then misses the short deadline); readiness must
  // come back, not necessarily on the very next request.
  const pingDeadline = Date.now() + 15_000;
  while (!(await store.ping())) {
    assert.ok(Date.now() < pingDeadline, 'ping did not recover within 15 s of quorum returning');
    await new Promise((r) => setTimeout(r, 200));
  }
  // The shared etcd watch reconnected by itself and resumed where it was. q2's create timed
  // out, but its proposal may still have been committed once quorum came back.
  const events: WatchEvent[] = [];
  while (!events.some((e) => nameOf(e) === 'q3')) events.push(...(await takeEvents(watch, 1, 15_000)));
  assert.ok(
    events.every((e) => e.type === 'ADDED' && ['q2', 'q3'].includes(nameOf(e)!)),
    JSON.stringify(events),
  );
  assert.ok(events.length <= 2);
  ac.abort();
});
