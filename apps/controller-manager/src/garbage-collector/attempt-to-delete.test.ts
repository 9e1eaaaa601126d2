import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@skiff/client';
import { createLogger } from '@skiff/log';
import { DependencyGraph } from './dependency-graph.ts';
import { attemptToDelete, decideDeletion, UNOBSERVED_OWNER_RECHECK_MS, type GcDeps } from './attempt-to-delete.ts';
import { attemptToOrphan } from './attempt-to-orphan.ts';
import { FakeGcClient, obj, ownerRef } from './fake-gc-client.ts';
import { kindResolver } from './object-access.ts';

const logger = createLogger('gc-test', 'silent');
const deletedAt = '2026-01-01T00:00:00Z';

/** A graph fed with `observed` (what the informers saw) and a client answering `live`. */
function fixture(observed: KubeObject[], live: KubeObject[] = observed) {
  const graph = new DependencyGraph();
  for (const o of observed) graph.observe(o);
  const client = new FakeGcClient(live);
  const enqueued: string[] = [];
  const deps: GcDeps = { client, graph, resolve: kindResolver(), logger, enqueueDelete: (uid) => enqueued.push(uid) };
  return { graph, client, deps, enqueued };
}

const rs = obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1');
const pod = obj('v1', 'Pod', 'web-abc-1', 'p1', { ownerReferences: [ownerRef(rs)] });

test('decideDeletion: the table of outcomes', () => {
  const a = ownerRef(rs);
  const b = { ...ownerRef(rs), uid: 'r2', name: 'other' };
  const cases: { name: string; solid: number; dangling: number; waiting: number; finalizers?: string[]; hasDeps?: boolean; want: unknown }[] = [
    { name: 'all solid', solid: 1, dangling: 0, waiting: 0, want: { action: 'none' } },
    { name: 'solid + dangling', solid: 1, dangling: 1, waiting: 0, want: { action: 'removeReferences', ownerUids: ['r2'] } },
    { name: 'solid + waiting', solid: 1, dangling: 0, waiting: 1, want: { action: 'removeReferences', ownerUids: ['r2'] } },
    { name: 'all dangling', solid: 0, dangling: 1, waiting: 0, want: 'Background' },
    { name: 'dangling, marked orphan', solid: 0, dangling: 1, waiting: 0, finalizers: ['orphan'], want: 'Orphan' },
    { name: 'waiting, no dependents', solid: 0, dangling: 0, waiting: 1, want: 'Background' },
    { name: 'waiting, has dependents', solid: 0, dangling: 0, waiting: 1, hasDeps: true, want: 'Foreground' },
  ];
  for (const c of cases) {
    const pick = (n: number) => (n > 0 ? (c.solid > 0 ? [b] : [a]) : []);
    const got = decideDeletion(
      { solid: c.solid ? [a] : [], dangling: pick(c.dangling), waitingForDependentsDeletion: pick(c.waiting) },
      c.finalizers ?? [],
      c.hasDeps ?? false,
    );
    if (typeof c.want === 'string') {
      assert.equal(got.action, 'delete', c.name);
      assert.equal(got.action === 'delete' && got.propagation, c.want, c.name);
    } else {
      assert.deepEqual(got, c.want, c.name);
    }
  }
});

test('an owned pod whose owner is observed costs no API call', async () => {
  const { client, deps } = fixture([rs, pod]);
  await attemptToDelete(deps, 'p1');
  assert.deepEqual(client.actions, []);
});

test('a pod whose owner is gone (404 live) is deleted in the background with a uid precondition', async () => {
  const { client, deps } = fixture([pod]);
  await attemptToDelete(deps, 'p1');
  assert.deepEqual(
    client.actions.map((a) => `${a.verb} ${a.resource}/${a.name}`),
    ['get pods/web-abc-1', 'get replicasets/web-abc', 'delete pods/web-abc-1'],
  );
  assert.deepEqual(client.writes[0]!.detail, { propagationPolicy: 'Background', preconditions: { uid: 'p1' } });
});

test('a slow informer never causes a delete: an owner the graph lacks but the server has keeps its pod', async () => {
  const { client, deps } = fixture([pod], [pod, rs]);
  await attemptToDelete(deps, 'p1');
  assert.deepEqual(client.writes, []);
});

test('an owner standing only on a live read (its kind not watched yet) is checked again until observed', async () => {
  const { deps, graph } = fixture([pod], [pod, rs]);
  assert.deepEqual(await attemptToDelete(deps, 'p1'), { requeueAfter: UNOBSERVED_OWNER_RECHECK_MS }, 'no delete event would come when it goes');
  graph.observe(rs);
  assert.equal(await attemptToDelete(deps, 'p1'), undefined, 'observed: its delete event will come');
});

test('an owner of a kind nobody serves keeps its dependent without rechecks', async () => {
  const widget = obj('example.com/v1', 'Widget', 'w', 'w1');
  const owned = obj('v1', 'Pod', 'owned', 'p9', { ownerReferences: [ownerRef(widget)] });
  const { client, deps } = fixture([owned]);
  assert.equal(await attemptToDelete(deps, 'p9'), undefined);
  assert.deepEqual(client.writes, []);
});

test('an owner re-created under the same name (other uid) leaves the old dependent garbage', async () => {
  const recreated = obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1-new');
  const { client, deps } = fixture([recreated, pod], [recreated, pod]);
  await attemptToDelete(deps, 'p1');
  assert.deepEqual(
    client.writes.map((a) => `${a.verb} ${a.name}`),
    ['delete web-abc-1'],
  );
});

test('a dependent replaced on the server (other uid) is left alone', async () => {
  const replaced = obj('v1', 'Pod', 'web-abc-1', 'p1-new');
  const { client, deps } = fixture([pod], [replaced]);
  await attemptToDelete(deps, 'p1');
  assert.deepEqual(client.writes, []);
});

test('with one live owner and one gone, only the dangling reference is cut', async () => {
  const other = obj('apps/v1', 'ReplicaSet', 'gone', 'r2');
  const twoOwners = obj('v1', 'Pod', 'shared', 'p5', { ownerReferences: [ownerRef(rs), { ...ownerRef(other), controller: false }] });
  const { client, deps } = fixture([rs, twoOwners]);
  await attemptToDelete(deps, 'p5');
  assert.equal(client.writes.length, 1);
  const patch = (client.writes[0]!.detail as { patch: { op: string; path: string; value?: unknown }[] }).patch;
  assert.deepEqual(
    patch.map((op) => op.op),
    ['test', 'test', 'replace'],
  );
  assert.deepEqual(
    (patch[2]!.value as { uid: string }[]).map((r) => r.uid),
    ['r1'],
  );
});

test('foreground: dependents of a waiting owner are deleted, the owner keeps its finalizer while they block', async () => {
  const marked = obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1', { deletionTimestamp: deletedAt, finalizers: ['foregroundDeletion'] });
  const { client, deps, enqueued } = fixture([marked, pod]);
  await attemptToDelete(deps, 'r1');
  assert.equal(client.writes.length, 0, 'the owner waits');
  assert.deepEqual(enqueued, ['p1'], 'and nudges its blocking dependent');
  await attemptToDelete(deps, 'p1');
  assert.deepEqual(
    client.writes.map((a) => `${a.verb} ${a.name} ${(a.detail as { propagationPolicy: string }).propagationPolicy}`),
    ['delete web-abc-1 Background'],
  );
});

test('foreground: once no blocking dependent remains the finalizer goes, other finalizers stay', async () => {
  const marked = obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1', { deletionTimestamp: deletedAt, finalizers: ['example.com/keep', 'foregroundDeletion'] });
  const { client, deps, graph } = fixture([marked, pod]);
  graph.remove(pod);
  await attemptToDelete(deps, 'r1');
  assert.equal(client.writes.length, 1);
  const patch = (client.writes[0]!.detail as { patch: { op: string; path: string; value?: unknown }[] }).patch;
  assert.deepEqual(patch[2], { op: 'replace', path: '/metadata/finalizers', value: ['example.com/keep'] });
});

test('foreground chain: a dependent with dependents of its own is deleted in the foreground', async () => {
  const deploy = obj('apps/v1', 'Deployment', 'web', 'd1', { deletionTimestamp: deletedAt, finalizers: ['foregroundDeletion'] });
  const ownedRs = obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1', { ownerReferences: [ownerRef(deploy)] });
  const { client, deps } = fixture([deploy, ownedRs, pod]);
  await attemptToDelete(deps, 'r1');
  assert.deepEqual(
    client.writes.map((a) => (a.detail as { propagationPolicy: string }).propagationPolicy),
    ['Foreground'],
  );
});

test('an object already being deleted (no foreground) is left to finish', async () => {
  const dying = obj('v1', 'Pod', 'web-abc-1', 'p1', { deletionTimestamp: deletedAt, ownerReferences: [ownerRef(rs)] });
  const { client, deps } = fixture([dying]);
  await attemptToDelete(deps, 'p1');
  assert.deepEqual(client.actions, []);
});

test('orphan: every dependent loses the reference first, then the finalizer goes', async () => {
  const marked = obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1', { deletionTimestamp: deletedAt, finalizers: ['orphan'] });
  const pod2 = obj('v1', 'Pod', 'web-abc-2', 'p2', { ownerReferences: [ownerRef(marked)] });
  const { client, deps } = fixture([marked, pod, pod2]);
  await attemptToOrphan(deps, 'r1');
  const writes = client.writes.map((a) => `${a.verb} ${a.resource}/${a.name}`);
  assert.deepEqual(writes, ['patch pods/web-abc-1', 'patch pods/web-abc-2', 'patch replicasets/web-abc']);
  const podPatch = (client.writes[0]!.detail as { patch: { op: string; path: string }[] }).patch;
  assert.deepEqual(podPatch[2], { op: 'remove', path: '/metadata/ownerReferences' });
  const ownerPatch = (client.writes[2]!.detail as { patch: { op: string; path: string }[] }).patch;
  assert.deepEqual(ownerPatch[2], { op: 'remove', path: '/metadata/finalizers' });
});

test('orphan: a dependent already released is not patched again', async () => {
  const marked = obj('apps/v1', 'ReplicaSet', 'web-abc', 'r1', { deletionTimestamp: deletedAt, finalizers: ['orphan'] });
  const released = obj('v1', 'Pod', 'web-abc-1', 'p1');
  const { client, deps } = fixture([marked, pod], [marked, released]);
  await attemptToOrphan(deps, 'r1');
  assert.deepEqual(
    client.writes.map((a) => a.resource),
    ['replicasets'],
  );
});
