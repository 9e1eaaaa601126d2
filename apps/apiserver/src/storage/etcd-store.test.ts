import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { ApiError } from '../errors.ts';
import { createEtcdStore, type EtcdStore } from './etcd-store.ts';
import { namespaces, pod, pods, secrets } from './testing/fixtures.ts';
import { startTestEtcd, type TestEtcdCluster } from './testing/etcd-process.ts';
import { ENCRYPTION_PREFIX } from './value-codec.ts';

let etcd: TestEtcdCluster;
let store: EtcdStore;
let raw: Etcd3;
const encryptionKey = Buffer.alloc(32, 7);

function rejectsWith(code: number, reason: string, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.reason, reason);
    if (message) assert.match(err.message, message);
    return true;
  };
}

before(async () => {
  etcd = await startTestEtcd(1, 21000);
  store = createEtcdStore({ endpoints: etcd.endpoints, encryptionKey, compactionIntervalMs: 0 });
  raw = new Etcd3({ hosts: etcd.endpoints });
});
after(async () => {
  await store?.close();
  raw?.close();
  await etcd?.stop();
});

describe('etcd store CRUD', () => {
  it('creates, reads, updates with CAS and deletes', async () => {
    const created = await store.create(pods, pod('crud-1'));
    const rv = Number(created.metadata.resourceVersion);
    assert.ok(rv > 0);
    const stored = (await raw.get('/registry/pods/default/crud-1').json()) as { metadata: Record<string, unknown> };
    assert.equal(stored.metadata.resourceVersion, undefined, 'resourceVersion is not stored');

    await assert.rejects(store.create(pods, pod('crud-1')), rejectsWith(409, 'AlreadyExists', /pods "crud-1" already exists/));
    const got = await store.get(pods, 'default', 'crud-1');
    assert.equal(got.metadata.resourceVersion, String(rv));
    await assert.rejects(store.get(pods, 'default', 'nope'), rejectsWith(404, 'NotFound', /pods "nope" not found/));
    await assert.rejects(store.get(pods, 'other', 'crud-1'), rejectsWith(404, 'NotFound'));

    const updated = await store.update(pods, { ...got, spec: { nodeName: 'n1' } }, { resourceVersion: String(rv) });
    assert.ok(Number(updated.metadata.resourceVersion) > rv);
    await assert.rejects(
      store.update(pods, { ...got, spec: { nodeName: 'n2' } }, { resourceVersion: String(rv) }),
      rejectsWith(409, 'Conflict', /the object has been modified; please apply your changes to the latest version and try again/),
    );
    await assert.rejects(
      store.update(pods, pod('crud-1'), { uid: 'other-uid' }),
      rejectsWith(409, 'Conflict', /Precondition failed: UID in precondition: other-uid, UID in object meta: uid-crud-1/),
    );
    await assert.rejects(store.update(pods, pod('missing'), { resourceVersion: '5' }), rejectsWith(404, 'NotFound'));
    await assert.rejects(store.update(pods, pod('missing')), rejectsWith(404, 'NotFound'));

    await assert.rejects(store.delete(pods, 'default', 'crud-1', { resourceVersion: String(rv) }), rejectsWith(409, 'Conflict'));
    const deleted = await store.delete(pods, 'default', 'crud-1', { uid: 'uid-crud-1' });
    assert.ok(Number(deleted.metadata.resourceVersion) > Number(updated.metadata.resourceVersion), 'carries the delete revision');
    assert.deepEqual(deleted.spec, { nodeName: 'n1' });
    await assert.rejects(store.delete(pods, 'default', 'crud-1'), rejectsWith(404, 'NotFound'));
  });

  it('guaranteedUpdate retries CAS conflicts so no increment is lost', async () => {
    await store.create(pods, pod('counter', 'default', undefined, { status: { n: 0 } }));
    const bump = () =>
      store.guaranteedUpdate(pods, 'default', 'counter', (cur) => {
        (cur.status as { n: number }).n++;
        return cur;
      });
    await Promise.all(Array.from({ length: 8 }, bump));
    const final = await store.get(pods, 'default', 'counter');
    assert.equal((final.status as { n: number }).n, 8);
    const same = await store.guaranteedUpdate(pods, 'default', 'counter', (cur) => cur);
    assert.equal(same.metadata.resourceVersion, final.metadata.resourceVersion, 'a no-op update writes nothing');
    await assert.rejects(
      store.guaranteedUpdate(pods, 'default', 'counter', (cur) => cur, { resourceVersion: '1' }),
      rejectsWith(409, 'Conflict'),
    );
    await assert.rejects(
      store.guaranteedUpdate(pods, 'default', 'ghost', (cur) => cur),
      rejectsWith(404, 'NotFound'),
    );
  });

  it('stores cluster-scoped objects without a namespace segment', async () => {
    await store.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    assert.ok(await raw.get('/registry/namespaces/team-a').string());
    const listed = await store.list(namespaces, undefined);
    assert.deepEqual(
      listed.items.map((o) => o.metadata.name),
      ['team-a'],
    );
  });
});

describe('etcd store list', () => {
  it("lists more than gRPC's default 4 MiB message in one answer", async () => {
    const padding = 'x'.repeat(100_000);
    await Promise.all(Array.from({ length: 60 }, (_, i) => store.create(pods, pod(`big-${i}`, 'big', undefined, { padding }))));
    const all = await store.list(pods, 'big');
    assert.equal(all.items.length, 60);
  });

  it('pages with continue on a pinned snapshot across writes', async () => {
    for (let i = 0; i < 7; i++) await store.create(pods, pod(`page-${i}`, 'paging', { idx: String(i) }));
    const first = await store.list(pods, 'paging', { limit: 3 });
    assert.deepEqual(
      first.items.map((o) => o.metadata.name),
      ['page-0', 'page-1', 'page-2'],
    );
    assert.equal(first.remainingItemCount, 4);
    assert.ok(first.continue);
    // Writes after the first page are invisible to the rest of this paged list.
    await store.create(pods, pod('page-9', 'paging'));
    await store.delete(pods, 'paging', 'page-5');
    const second = await store.list(pods, 'paging', { limit: 3, continue: first.continue });
    assert.equal(second.resourceVersion, first.resourceVersion);
    assert.deepEqual(
      second.items.map((o) => o.metadata.name),
      ['page-3', 'page-4', 'page-5'],
    );
    const third = await store.list(pods, 'paging', { limit: 3, continue: second.continue! });
    assert.deepEqual(
      third.items.map((o) => o.metadata.name),
      ['page-6'],
    );
    assert.equal(third.continue, undefined);
    const fresh = await store.list(pods, 'paging');
    assert.deepEqual(
      fresh.items.map((o) => o.metadata.name),
      ['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-6', 'page-9'],
    );
    assert.ok(Number(fresh.resourceVersion) > Number(first.resourceVersion));
  });

  it('filters server-side and fills pages despite the filter', async () => {
    const even = (o: { metadata: { labels?: Record<string, string> } }) => Number(o.metadata.labels?.idx) % 2 === 0;
    const page = await store.list(pods, 'paging', { limit: 2, filter: even });
    assert.deepEqual(
      page.items.map((o) => o.metadata.name),
      ['page-0', 'page-2'],
    );
    assert.equal(page.remainingItemCount, undefined);
    const rest = await store.list(pods, 'paging', { limit: 2, filter: even, continue: page.continue! });
    assert.deepEqual(
      rest.items.map((o) => o.metadata.name),
      ['page-4', 'page-6'],
    );
  });

  it('lists across namespaces and at an exact revision', async () => {
    await store.create(pods, pod('x', 'ns-a'));
    const before = await store.list(pods, undefined);
    await store.create(pods, pod('y', 'ns-b'));
    const all = await store.list(pods, undefined);
    assert.equal(all.items.length, before.items.length + 1);
    const then = await store.list(pods, undefined, { resourceVersion: before.resourceVersion, resourceVersionMatch: 'Exact' });
    assert.equal(then.items.length, before.items.length);
    assert.equal(then.resourceVersion, before.resourceVersion);
    await assert.rejects(store.list(pods, undefined, { continue: 'garbage' }), rejectsWith(400, 'BadRequest'));
  });

  it('answers 410 for a compacted continue token or revision', async () => {
    const first = await store.list(pods, 'paging', { limit: 2 });
    await store.create(pods, pod('after-compact', 'paging'));
    await store.compact(await store.currentRevision());
    await assert.rejects(store.list(pods, 'paging', { limit: 2, continue: first.continue! }), rejectsWith(410, 'Expired', /continue parameter is too old/));
    await assert.rejects(
      store.list(pods, 'paging', { resourceVersion: first.resourceVersion, resourceVersionMatch: 'Exact' }),
      rejectsWith(410, 'Expired', /too old resource version/),
    );
    assert.ok(store.stats().lastCompactedRevision > 0);
  });
});

describe('encryption at rest', () => {
  it('stores secrets as AES-GCM envelopes and reads them back', async () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'default' },
      data: { password: 'aHVudGVyMg==' },
      stringData: undefined,
    };
    await store.create(secrets, secret);
    const value = await raw.get('/registry/secrets/default/db').buffer();
    assert.ok(value);
    assert.ok(value.subarray(0, ENCRYPTION_PREFIX.length).toString() === ENCRYPTION_PREFIX);
    assert.ok(!value.includes('aHVudGVyMg=='), 'no plaintext in etcd');
    assert.ok(!value.includes('"kind"'), 'no plaintext JSON in etcd');
    const back = await store.get(secrets, 'default', 'db');
    assert.deepEqual(back.data, { password: 'aHVudGVyMg==' });
    // Values written before encryption was enabled stay readable.
    await raw
      .put('/registry/secrets/default/legacy')
      .value(JSON.stringify({ kind: 'Secret', metadata: { name: 'legacy', namespace: 'default' }, data: { a: 'Yg==' } }));
    assert.deepEqual((await store.get(secrets, 'default', 'legacy')).data, { a: 'Yg==' });
    // Pods are not encrypted.
    await store.create(pods, pod('plain'));
    assert.match((await raw.get('/registry/pods/default/plain').string())!, /"name":"plain"/);
    // A store with another key cannot read the secret.
    const other = createEtcdStore({ endpoints: etcd.endpoints, encryptionKey: Buffer.alloc(32, 9), compactionIntervalMs: 0 });
    try {
      await assert.rejects(other.get(secrets, 'default', 'db'), rejectsWith(500, 'InternalError'));
    } finally {
      await other.close();
    }
  });
});

describe('compaction', () => {
  it('compacts periodically to the revision seen one tick earlier', async () => {
    const compacting = createEtcdStore({ endpoints: etcd.endpoints, compactionIntervalMs: 100 });
    try {
      await compacting.create(pods, pod('tick-0', 'compaction'));
      const before = await compacting.currentRevision();
      const deadline = Date.now() + 5000;
      while (compacting.stats().lastCompactedRevision < before) {
        assert.ok(Date.now() < deadline, 'no compaction happened');
        await compacting.create(pods, pod(`tick-${Date.now()}`, 'compaction'));
        await new Promise((r) => setTimeout(r, 50));
      }
      // Never compacts the present: what the previous tick saw is older than now.
      assert.ok(compacting.stats().lastCompactedRevision < (await compacting.currentRevision()));
      await assert.rejects(
        compacting.list(pods, 'compaction', { resourceVersion: String(before - 1), resourceVersionMatch: 'Exact' }),
        rejectsWith(410, 'Expired'),
      );
    } finally {
      await compacting.close();
    }
  });
});

describe('health', () => {
  it('pings and reports the current revision', async () => {
    assert.equal(await store.ping(), true);
    const r1 = await store.currentRevision();
    await store.create(pods, pod('rev-bump'));
    assert.equal(await store.currentRevision(), r1 + 1);
  });
});
