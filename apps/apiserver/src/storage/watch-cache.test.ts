import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventEmitter } from 'node:events';
import { Etcd3 } from 'etcd3';
import { ApiError } from '../errors.ts';
import { createValueCodec } from './value-codec.ts';
import { WatchCacheSet } from './watch-cache-set.ts';
import { streamWatchEvents } from './watch-stream.ts';
import { createEtcdStore, type EtcdStore } from './etcd-store.ts';
import type { KubeObject, WatchEvent } from './store.ts';
import { nameOf, pod, pods, rvOf, secrets, takeEvents } from './testing/fixtures.ts';
import { startTestEtcd, type TestEtcdCluster } from './testing/etcd-process.ts';

let etcd: TestEtcdCluster;
const stores: EtcdStore[] = [];
const controllers: AbortController[] = [];

function newStore(extra: { watchCacheSize?: number; watchMaxLag?: number } = {}): EtcdStore {
  const store = createEtcdStore({ endpoints: etcd.endpoints, compactionIntervalMs: 0, watchLingerMs: 50, encryptionKey: Buffer.alloc(32, 1), ...extra });
  stores.push(store);
  return store;
}

function startWatch(store: EtcdStore, namespace: string | undefined, opts: Parameters<EtcdStore['watch']>[2], res = pods) {
  const ac = new AbortController();
  controllers.push(ac);
  return { iter: store.watch(res, namespace, opts, ac.signal)[Symbol.asyncIterator](), ac };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  etcd = await startTestEtcd(1, 21020);
});
after(async () => {
  for (const ac of controllers) ac.abort();
  for (const s of stores) await s.close();
  await etcd?.stop();
});

describe('watch cache', () => {
  it('delivers every event after N exactly once, in order, to concurrent watchers over one etcd watch', async () => {
    const store = newStore();
    const start = await store.list(pods, 'w1');
    const watchers = Array.from({ length: 4 }, () => startWatch(store, 'w1', { resourceVersion: start.resourceVersion }));
    // Pull the first event of each so every watcher is subscribed before the writes start.
    const firstPulls = watchers.map((w) => takeEvents(w.iter, 1));
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) writes.push(store.create(pods, pod(`p${i}`, 'w1')));
    await Promise.all(writes);
    for (let i = 0; i < 30; i += 3) await store.guaranteedUpdate(pods, 'w1', `p${i}`, (cur) => ({ ...cur, spec: { touched: true } }));
    for (let i = 0; i < 30; i += 5) await store.delete(pods, 'w1', `p${i}`);
    await store.create(pods, pod('elsewhere', 'w2'));
    const expected = 30 + 10 + 6;
    const [first, ...restFirst] = await Promise.all(firstPulls);
    assert.equal(store.stats().etcdWatches, 1);
    assert.equal(store.stats().watchers, 4);
    const all: WatchEvent[][] = [];
    for (const [i, w] of watchers.entries()) {
      const more = await takeEvents(w.iter, expected - 1);
      all.push([...(i === 0 ? first! : restFirst[i - 1]!), ...more]);
    }
    for (const events of all) {
      const rvs = events.map(rvOf);
      assert.deepEqual(
        rvs,
        [...rvs].sort((a, b) => a - b),
        'in revision order',
      );
      assert.equal(new Set(rvs).size, expected, 'each revision once');
      assert.ok(rvs[0]! > Number(start.resourceVersion));
      assert.equal(events.filter((e) => e.type === 'ADDED').length, 30);
      assert.equal(events.filter((e) => e.type === 'MODIFIED').length, 10);
      assert.equal(events.filter((e) => e.type === 'DELETED').length, 6);
      assert.ok(!events.some((e) => nameOf(e) === 'elsewhere'), 'other namespaces filtered');
    }
    assert.deepEqual(all[1], all[0]);
    // A late watcher from the same revision is served from the buffer: still one etcd watch.
    const late = startWatch(store, 'w1', { resourceVersion: start.resourceVersion });
    const replay = await takeEvents(late.iter, expected);
    assert.deepEqual(replay.map(rvOf), all[0]!.map(rvOf));
    assert.equal(store.stats().etcdWatches, 1);
    for (const w of [...watchers, late]) w.ac.abort();
    await waitFor(() => store.stats().watchers === 0, 'watchers to leave');
    await waitFor(() => store.stats().etcdWatches === 0, 'the etcd watch to close after its linger');
  });

  it('starts with synthetic ADDED events when no resourceVersion is given', async () => {
    const store = newStore();
    await store.create(pods, pod('a', 'w3'));
    await store.create(pods, pod('b', 'w3'));
    const w = startWatch(store, 'w3', {});
    const initial = await takeEvents(w.iter, 2);
    assert.deepEqual(
      initial.map((e) => [e.type, nameOf(e)]),
      [
        ['ADDED', 'a'],
        ['ADDED', 'b'],
      ],
    );
    await store.create(pods, pod('c', 'w3'));
    const [next] = await takeEvents(w.iter, 1);
    assert.deepEqual([next!.type, nameOf(next!)], ['ADDED', 'c']);
    w.ac.abort();
  });

  it('serves a revision older than the buffer with a dedicated etcd watch, without gaps', async () => {
    const store = newStore({ watchCacheSize: 4, watchMaxLag: 100 });
    const start = await store.list(pods, 'w4');
    const early = startWatch(store, 'w4', { resourceVersion: start.resourceVersion });
    const seenEarly: WatchEvent[] = [];
    // The early watcher keeps up (one event per write), so the small ring never drops it.
    for (let i = 0; i < 12; i++) {
      const next = takeEvents(early.iter, 1);
      await store.create(pods, pod(`d${i}`, 'w4'));
      seenEarly.push(...(await next));
    }
    assert.deepEqual(
      seenEarly.map(nameOf),
      Array.from({ length: 12 }, (_, i) => `d${i}`),
    );
    // The shared buffer now holds only the last 4 events (nobody lags).
    const old = startWatch(store, 'w4', { resourceVersion: start.resourceVersion });
    const replay = await takeEvents(old.iter, 12);
    assert.deepEqual(replay.map(rvOf), seenEarly.map(rvOf));
    assert.equal(store.stats().etcdWatches, 2);
    const a = takeEvents(old.iter, 1);
    const b = takeEvents(early.iter, 1);
    await store.create(pods, pod('d12', 'w4'));
    assert.equal(nameOf((await a)[0]!), 'd12');
    assert.equal(rvOf((await a)[0]!), rvOf((await b)[0]!));
    old.ac.abort();
    early.ac.abort();
    await waitFor(() => store.stats().etcdWatches === 0, 'both etcd watches to close');
  });

  it('ends a watcher that falls behind the buffer with a 410 ERROR, without holding others back', async () => {
    const store = newStore({ watchCacheSize: 5, watchMaxLag: 3 });
    const start = await store.list(pods, 'w5');
    const slow = startWatch(store, 'w5', { resourceVersion: start.resourceVersion });
    const fast = startWatch(store, 'w5', { resourceVersion: start.resourceVersion });
    const slowFirst = takeEvents(slow.iter, 1);
    for (let i = 0; i < 15; i++) {
      const next = takeEvents(fast.iter, 1);
      await store.create(pods, pod(`s${i}`, 'w5'));
      assert.equal(nameOf((await next)[0]!), `s${i}`);
    }
    assert.equal((await slowFirst)[0]!.type, 'ADDED');
    const events: WatchEvent[] = [];
    for (;;) {
      const next = await slow.iter.next();
      if (next.done) break;
      events.push(next.value);
    }
    assert.deepEqual(
      events.map((e) => e.type),
      ['ERROR'],
    );
    const status = events[0]!.object as { code: number; reason: string };
    assert.equal(status.code, 410);
    assert.equal(status.reason, 'Expired');
    // The fast watcher is unaffected and keeps going.
    const next = takeEvents(fast.iter, 1);
    await store.create(pods, pod('s15', 'w5'));
    assert.equal(nameOf((await next)[0]!), 's15');
    fast.ac.abort();
  });

  it('skips events up to the requested revision when the cache is behind it', async () => {
    const store = newStore();
    const now = await store.currentRevision();
    const a = startWatch(store, 'w12', { resourceVersion: String(now) });
    const pendingA = takeEvents(a.iter, 5);
    await waitFor(() => store.stats().watchers === 1, 'the first watcher');
    // B asks for a revision the shared cache has not reached yet.
    const b = startWatch(store, 'w12', { resourceVersion: String(now + 3) });
    const pendingB = takeEvents(b.iter, 2);
    await waitFor(() => store.stats().watchers === 2, 'the second watcher');
    assert.equal(store.stats().etcdWatches, 1);
    for (let i = 0; i < 5; i++) await store.create(pods, pod(`k${i}`, 'w12'));
    assert.deepEqual((await pendingA).map(rvOf), [now + 1, now + 2, now + 3, now + 4, now + 5]);
    assert.deepEqual((await pendingB).map(rvOf), [now + 4, now + 5]);
    a.ac.abort();
    b.ac.abort();
  });

  it('throws 410 before the first event for a compacted resourceVersion', async () => {
    const store = newStore();
    const old = await store.list(pods, 'w6');
    await store.create(pods, pod('c1', 'w6'));
    await store.create(pods, pod('c2', 'w6'));
    await store.compact(await store.currentRevision());
    const w = startWatch(store, 'w6', { resourceVersion: old.resourceVersion });
    await assert.rejects(w.iter.next(), (err: unknown) => err instanceof ApiError && err.code === 410 && /too old resource version/.test(err.message));
    assert.equal(store.stats().watchers, 0);
  });

  it('turns filter transitions into ADDED and DELETED', async () => {
    const store = newStore();
    const isWeb = (o: KubeObject) => o.metadata.labels?.app === 'web';
    const w = startWatch(store, 'w7', { resourceVersion: '', filter: isWeb });
    const pending = takeEvents(w.iter, 4);
    await store.create(pods, pod('f', 'w7'));
    await store.create(pods, pod('other', 'w7', { app: 'db' }));
    const set =
      (labels: Record<string, string> | undefined, spec: unknown = {}) =>
      (cur: KubeObject) => ({ ...cur, spec, metadata: { ...cur.metadata, labels } });
    await store.guaranteedUpdate(pods, 'w7', 'f', set({ app: 'web' }));
    await store.guaranteedUpdate(pods, 'w7', 'f', set({ app: 'web' }, { x: 1 }));
    const removed = await store.guaranteedUpdate(pods, 'w7', 'f', set({ app: 'api' }));
    await store.delete(pods, 'w7', 'f');
    await store.create(pods, pod('g', 'w7', { app: 'web' }));
    const events = await pending;
    assert.deepEqual(
      events.map((e) => [e.type, nameOf(e)]),
      [
        ['ADDED', 'f'],
        ['MODIFIED', 'f'],
        ['DELETED', 'f'],
        ['ADDED', 'g'],
      ],
    );
    const deleted = events[2]!.object as KubeObject;
    assert.equal(deleted.metadata.labels?.app, 'web', 'DELETED carries the last matching state');
    assert.equal(deleted.metadata.resourceVersion, removed.metadata.resourceVersion, 'at the revision it stopped matching');
    w.ac.abort();
  });

  it('sends bookmarks carrying the latest revision seen and nothing else', async () => {
    const store = newStore();
    const w = startWatch(store, 'w8', { resourceVersion: '', allowWatchBookmarks: true, bookmarkIntervalMs: 150 });
    const created = await store.create(pods, pod('bm', 'w8'));
    const events = await takeEvents(w.iter, 2);
    assert.equal(events[0]!.type, 'ADDED');
    assert.equal(events[1]!.type, 'BOOKMARK');
    assert.deepEqual(events[1]!.object, { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: created.metadata.resourceVersion } });
    const [again] = await takeEvents(w.iter, 1);
    assert.equal(again!.type, 'BOOKMARK');
    w.ac.abort();
  });

  it('decrypts secrets in watch events', async () => {
    const store = newStore();
    const w = startWatch(store, 'w9', { resourceVersion: '' }, secrets);
    const pending = takeEvents(w.iter, 1);
    await store.create(secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'w9' }, data: { k: 'dg==' } });
    const [event] = await pending;
    assert.deepEqual((event!.object as KubeObject).data, { k: 'dg==' });
    w.ac.abort();
  });

  it('releases everything when the signal aborts while the consumer is blocked', async () => {
    const store = newStore();
    const w = startWatch(store, 'w10', { resourceVersion: '' });
    const blocked = w.iter.next();
    await waitFor(() => store.stats().watchers === 1, 'the watcher to subscribe');
    w.ac.abort();
    const result = await blocked;
    assert.equal(result.done, true);
    await waitFor(() => store.stats().etcdWatches === 0, 'the etcd watch to close');
  });
});

describe('watch cache failure', () => {
  it('ends every watcher with a 410 ERROR when its etcd watch is cancelled, and starts afresh', async () => {
    const store = newStore();
    const client = new Etcd3({ hosts: etcd.endpoints });
    const set = new WatchCacheSet({
      client,
      codec: createValueCodec(),
      capacity: 100,
      maxLag: 100,
      lingerMs: 0,
      ensureRevisionAvailable: async () => undefined,
    });
    const ac = new AbortController();
    try {
      const from = await store.currentRevision();
      const subs = [await set.subscribe(pods, from), await set.subscribe(pods, from)];
      assert.equal(subs[0]!.cache, subs[1]!.cache);
      assert.equal(set.etcdWatchCount(), 1);
      const streams = subs.map((sub) =>
        streamWatchEvents(sub.cache, sub.reader, {
          res: pods,
          namespace: 'w11',
          filter: undefined,
          fromRevision: from,
          initial: [],
          bookmarkIntervalMs: undefined,
          signal: ac.signal,
        }),
      );
      const pending = streams.map((st) => takeEvents(st, 1));
      await store.create(pods, pod('x', 'w11'));
      for (const events of await Promise.all(pending)) assert.deepEqual(events.map(nameOf), ['x']);
      // What etcd3 emits when etcd cancels a watch whose revision was compacted away.
      (subs[0]!.cache as unknown as { watcher: EventEmitter }).watcher.emit('error', new Error('Watcher canceled: mvcc: required revision has been compacted'));
      for (const st of streams) {
        const [event] = await takeEvents(st, 1);
        assert.equal(event!.type, 'ERROR');
        assert.equal((event!.object as { code: number }).code, 410);
        assert.equal((await st.next()).done, true);
      }
      assert.equal(set.etcdWatchCount(), 0, 'the failed cache is forgotten');
      for (const sub of subs) sub.release();
      const fresh = await set.subscribe(pods, await store.currentRevision());
      assert.notEqual(fresh.cache, subs[0]!.cache);
      assert.equal(set.etcdWatchCount(), 1);
      fresh.release();
      assert.equal(set.etcdWatchCount(), 0, 'no linger: closed with its last reader');
    } finally {
      ac.abort();
      set.closeAll();
      client.close();
    }
  });
});

describe('etcd restart', () => {
  it('resumes the shared etcd watch after etcd restarts, without gaps or duplicates', async () => {
    const store = newStore();
    const w = startWatch(store, 'w13', { resourceVersion: '' });
    const first = takeEvents(w.iter, 1);
    await store.create(pods, pod('before', 'w13'));
    assert.deepEqual((await first).map(nameOf), ['before']);
    await etcd.members[0]!.kill();
    etcd.members[0]!.start();
    await etcd.waitReady();
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await store.create(pods, pod('after', 'w13'));
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await store.create(pods, pod('after-2', 'w13'));
    const events = await takeEvents(w.iter, 2, 20_000);
    assert.deepEqual(
      events.map((e) => [e.type, nameOf(e)]),
      [
        ['ADDED', 'after'],
        ['ADDED', 'after-2'],
      ],
    );
    assert.equal(store.stats().etcdWatches, 1);
    w.ac.abort();
  });
});
