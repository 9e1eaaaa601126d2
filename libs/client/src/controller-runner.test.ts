import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerRunner, watch, type EventSource } from './controller-runner.ts';
import { enqueueObject, enqueueOwner } from './controller-runner-handlers.ts';
import { InformerCache } from './informer-cache.ts';
import { ExponentialFailureRateLimiter } from './rate-limiter.ts';
import type { KubeObject } from './rest-client.ts';

/** An informer stand-in: handlers are called by hand, hasSynced flips when told. */
class FakeSource<T> implements EventSource<T> {
  synced = true;
  readonly adds: ((obj: T) => void)[] = [];
  readonly updates: ((oldObj: T, obj: T) => void)[] = [];
  readonly deletes: ((obj: T) => void)[] = [];
  onAdd(h: (obj: T) => void): void {
    this.adds.push(h);
  }
  onUpdate(h: (oldObj: T, obj: T) => void): void {
    this.updates.push(h);
  }
  onDelete(h: (obj: T) => void): void {
    this.deletes.push(h);
  }
  hasSynced(): boolean {
    return this.synced;
  }
  add(obj: T): void {
    for (const h of this.adds) h(obj);
  }
  update(oldObj: T, obj: T): void {
    for (const h of this.updates) h(oldObj, obj);
  }
  delete(obj: T): void {
    for (const h of this.deletes) h(obj);
  }
}

const obj = (name: string, rv = '1', extra: Partial<NonNullable<KubeObject['metadata']>> = {}): KubeObject => ({
  metadata: { namespace: 'ns', name, uid: `uid-${name}`, resourceVersion: rv, ...extra },
});

const tick = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ControllerRunner', () => {
  it('waits for every watched and read cache before the first sync', async () => {
    const source = new FakeSource<KubeObject>();
    const read = {
      synced: false,
      hasSynced() {
        return this.synced;
      },
    };
    source.synced = false;
    const seen: string[] = [];
    const abort = new AbortController();
    const runner = new ControllerRunner({
      name: 't',
      watches: [watch(source, enqueueObject())],
      reads: [read],
      sync: async (key) => {
        seen.push(key);
        abort.abort();
      },
    });
    source.add(obj('a'));
    const running = runner.run(abort.signal);
    await tick(80);
    source.synced = true;
    await tick(80);
    assert.deepEqual(seen, [], 'a read cache that has not synced holds the workers');
    assert.equal(runner.hasSynced(), false);
    read.synced = true;
    await running;
    assert.deepEqual(seen, ['ns/a']);
  });

  it('dedupes keys queued before the workers start and skips resync updates', () => {
    const source = new FakeSource<KubeObject>();
    const runner = new ControllerRunner({ name: 't', watches: [watch(source, enqueueObject())], sync: async () => {} });
    source.add(obj('a'));
    source.add(obj('a'));
    source.update(obj('b', '3'), obj('b', '3'));
    assert.equal(runner.pending, 1);
    source.update(obj('b', '3'), obj('b', '4'));
    source.delete(obj('c'));
    assert.equal(runner.pending, 3);
  });

  it('requeues a failing key with growing backoff and forgets it on success', async () => {
    const source = new FakeSource<KubeObject>();
    const abort = new AbortController();
    const at: number[] = [];
    const runner = new ControllerRunner({
      name: 't',
      watches: [watch(source, enqueueObject())],
      rateLimiter: new ExponentialFailureRateLimiter(20, 1000),
      sync: async (key) => {
        at.push(Date.now());
        if (at.length < 4 || at.length === 5) throw new Error('not yet');
        if (at.length === 4) runner.enqueue(key);
        else abort.abort();
      },
    });
    source.add(obj('a'));
    await runner.run(abort.signal);
    assert.equal(at.length, 6);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 20, 40, 80 ms: each retry waits about twice as long as the one before.
    assert.ok(gaps[0]! >= 15 && gaps[1]! >= 35 && gaps[2]! >= 70, `gaps ${gaps}`);
    // The success forgot the failures: the next failure waits 20 ms again, not 160.
    assert.ok(gaps[4]! >= 15 && gaps[4]! < 120, `gaps ${gaps}`);
  });

  it('runs { requeueAfter } again on a timer, and keys from enqueue()', async () => {
    const abort = new AbortController();
    const seen: string[] = [];
    const runner = new ControllerRunner({
      name: 't',
      watches: [],
      sync: async (key) => {
        seen.push(key);
        if (seen.length === 1) return { requeueAfter: 20 };
        abort.abort();
      },
    });
    runner.enqueue(['x']);
    await runner.run(abort.signal);
    assert.deepEqual(seen, ['x', 'x']);
  });

  it('stops on abort: no sync starts after it, and run resolves once in-flight syncs end', async () => {
    const source = new FakeSource<KubeObject>();
    const abort = new AbortController();
    let release!: () => void;
    const seen: string[] = [];
    const runner = new ControllerRunner({
      name: 't',
      watches: [watch(source, enqueueObject())],
      workers: 1,
      sync: async (key) => {
        seen.push(key);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    source.add(obj('a'));
    source.add(obj('b'));
    let done = false;
    const running = runner.run(abort.signal).then(() => {
      done = true;
    });
    await tick();
    abort.abort();
    await tick();
    assert.equal(done, false, 'waits for the in-flight sync');
    release();
    await running;
    assert.deepEqual(seen, ['ns/a']);
  });

  it('returns without syncing when aborted before the caches sync', async () => {
    const source = new FakeSource<KubeObject>();
    source.synced = false;
    const abort = new AbortController();
    let calls = 0;
    const runner = new ControllerRunner({
      name: 't',
      watches: [watch(source, enqueueObject())],
      sync: async () => {
        calls++;
      },
    });
    source.add(obj('a'));
    const running = runner.run(abort.signal);
    abort.abort();
    await running;
    assert.equal(calls, 0);
  });

  it('logs and drops an event whose mapper throws', () => {
    const source = new FakeSource<KubeObject>();
    const warned: string[] = [];
    const logger = { warn: (fields: { event: string }) => warned.push(fields.event) } as never;
    const runner = new ControllerRunner({
      name: 't',
      logger,
      sync: async () => {},
      watches: [
        watch(source, {
          add: () => {
            throw new Error('boom');
          },
          delete: (o) => o.metadata?.name,
        }),
      ],
    });
    source.add(obj('a'));
    source.delete(obj('b'));
    assert.deepEqual(warned, ['add']);
    assert.equal(runner.pending, 1);
  });
});

describe('enqueueOwner', () => {
  const owners = new InformerCache<KubeObject & { selector?: string }>();
  owners.upsert({ metadata: { namespace: 'ns', name: 'web', uid: 'u-web' }, selector: 'web' });
  owners.upsert({ metadata: { namespace: 'ns', name: 'all', uid: 'u-all' }, selector: '' });
  const ref = (name: string, uid: string) => ({ apiVersion: 'apps/v1', kind: 'Owner', name, uid, controller: true });
  const child = (rv: string, meta: Partial<NonNullable<KubeObject['metadata']>>) => obj('c', rv, meta);
  const observed: string[] = [];
  const mapper = enqueueOwner<KubeObject, KubeObject & { selector?: string }>({
    ownerKind: 'Owner',
    owners,
    selectorOf: (o) => ({ empty: !o.selector, matches: (labels) => labels?.app === o.selector }),
    observedCreation: (key) => observed.push(`created ${key}`),
    observedDeletion: (key) => observed.push(`deleted ${key}`),
    terminatingIsDeleted: true,
  });

  it('maps an owned object to its owner by UID, and an orphan to owners selecting it', () => {
    assert.deepEqual(mapper.add!(child('1', { ownerReferences: [ref('web', 'u-web')] })), 'ns/web');
    assert.equal(mapper.add!(child('1', { ownerReferences: [ref('web', 'stale')] })), undefined, 'same name, other UID');
    assert.deepEqual(mapper.add!(child('1', { labels: { app: 'web' } })), ['ns/web'], 'empty selectors adopt nothing');
    assert.deepEqual(observed, ['created ns/web']);
  });

  it('queues the old and new owners when the controllerRef moves, nothing on a resync', () => {
    const owned = child('1', { ownerReferences: [ref('web', 'u-web')], labels: { app: 'web' } });
    assert.equal(mapper.update!(owned, owned), undefined);
    assert.deepEqual(mapper.update!(owned, child('2', { labels: { app: 'web' } })), ['ns/web', 'ns/web']);
    assert.deepEqual(mapper.update!(child('1', {}), child('2', { labels: { app: 'web' } })), ['ns/web'], 'labels changed on an orphan');
  });

  it('counts a terminating object as deleted', () => {
    observed.length = 0;
    const owned = { ownerReferences: [ref('web', 'u-web')] };
    assert.deepEqual(mapper.update!(child('1', owned), child('2', { ...owned, deletionTimestamp: '2026-01-01T00:00:00Z' })), ['ns/web']);
    assert.deepEqual(mapper.delete!(child('3', owned)), ['ns/web']);
    assert.deepEqual(observed, ['deleted ns/web', 'deleted ns/web']);
  });
});
