/** Deletion semantics: finalizers, graceful pods, namespaces, collections, preconditions. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../storage/store.ts';
import { admin, apiErrorOf, resource, startRegistryFixture, type RegistryFixture } from './testing/registry-fixture.ts';

let fx: RegistryFixture;
const pods = resource('', 'pods');
const configmaps = resource('', 'configmaps');
const namespaces = resource('', 'namespaces');

before(async () => {
  fx = await startRegistryFixture(21110);
  await fx.registry.bootstrap();
});
after(async () => {
  await fx?.close();
});

const user = admin.user;

function cm(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: { k: 'v' } };
}

function podBody(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

test('immediate delete answers a Success Status', async () => {
  const created = (await fx.registry.create(configmaps, 'default', cm('gone'), admin)).object;
  const result = await fx.registry.delete(configmaps, 'default', 'gone', {}, user);
  assert.equal(result.pending, undefined);
  assert.deepEqual(result.object, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: 'gone', kind: 'configmaps', uid: created.metadata.uid },
  });
  assert.equal((await apiErrorOf(fx.registry.get(configmaps, 'default', 'gone'))).code, 404);
  assert.equal((await apiErrorOf(fx.registry.delete(configmaps, 'default', 'gone', {}, user))).code, 404);
});

test('delete preconditions are honoured', async () => {
  const created = (await fx.registry.create(configmaps, 'default', cm('pre'), admin)).object;
  const wrongUid = await apiErrorOf(fx.registry.delete(configmaps, 'default', 'pre', { preconditions: { uid: 'other' } }, user));
  assert.equal(wrongUid.code, 409);
  assert.match(wrongUid.message, /Precondition failed: UID in precondition: other/);
  const wrongRv = await apiErrorOf(fx.registry.delete(configmaps, 'default', 'pre', { preconditions: { resourceVersion: '1' } }, user));
  assert.equal(wrongRv.code, 409);
  await fx.registry.delete(
    configmaps,
    'default',
    'pre',
    { preconditions: { uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion } },
    user,
  );
});

test('finalizers keep an object until the last one is removed', async () => {
  await fx.registry.create(configmaps, 'default', cm('fin', { finalizers: ['example.com/hold'] }), admin);
  const marked = await fx.registry.delete(configmaps, 'default', 'fin', {}, user);
  assert.equal(marked.pending, true);
  assert.ok(marked.object.metadata.deletionTimestamp);
  assert.equal(marked.object.metadata.deletionGracePeriodSeconds, 0);
  const stillThere = await fx.registry.get(configmaps, 'default', 'fin');
  assert.equal(stillThere.metadata.deletionTimestamp, marked.object.metadata.deletionTimestamp);
  // An update cannot clear the deletion mark.
  const edit = structuredClone(stillThere);
  delete edit.metadata.deletionTimestamp;
  edit.data = { k: 'changed' };
  const edited = (await fx.registry.update(configmaps, 'default', 'fin', edit, admin)).object;
  assert.equal(edited.metadata.deletionTimestamp, marked.object.metadata.deletionTimestamp);
  await fx.registry.patch(configmaps, 'default', 'fin', 'merge', { metadata: { finalizers: null } }, admin);
  assert.equal((await apiErrorOf(fx.registry.get(configmaps, 'default', 'fin'))).code, 404);
});

test('propagation policies add the garbage collector finalizers', async () => {
  await fx.registry.create(configmaps, 'default', cm('orphaned'), admin);
  const orphan = await fx.registry.delete(configmaps, 'default', 'orphaned', { propagationPolicy: 'Orphan' }, user);
  assert.deepEqual(orphan.object.metadata.finalizers, ['orphan']);
  await fx.registry.create(configmaps, 'default', cm('fg'), admin);
  const fg = await fx.registry.delete(configmaps, 'default', 'fg', { propagationPolicy: 'Foreground' }, user);
  assert.deepEqual(fg.object.metadata.finalizers, ['foregroundDeletion']);
  assert.ok(fg.object.metadata.deletionTimestamp);
});

test('bound pods are deleted gracefully; the kubelet confirms with grace 0', async () => {
  await fx.registry.create(pods, 'default', podBody('graceful', { nodeName: 'node-1', terminationGracePeriodSeconds: 20 }), admin);
  const first = await fx.registry.delete(pods, 'default', 'graceful', {}, user);
  assert.equal(first.pending, true);
  assert.equal(first.object.metadata.deletionGracePeriodSeconds, 20);
  const longer = await fx.registry.delete(pods, 'default', 'graceful', { gracePeriodSeconds: 100 }, user);
  assert.equal(longer.object.metadata.deletionGracePeriodSeconds, 20, 'a later delete cannot extend the grace period');
  const shorter = await fx.registry.delete(pods, 'default', 'graceful', { gracePeriodSeconds: 3 }, user);
  assert.equal(shorter.object.metadata.deletionGracePeriodSeconds, 3);
  const done = await fx.registry.delete(pods, 'default', 'graceful', { gracePeriodSeconds: 0 }, user);
  assert.equal((done.object as unknown as { status: string }).status, 'Success');
  assert.equal((await apiErrorOf(fx.registry.get(pods, 'default', 'graceful'))).code, 404);

  await fx.registry.create(pods, 'default', podBody('unbound'), admin);
  const unbound = await fx.registry.delete(pods, 'default', 'unbound', {}, user);
  assert.equal(unbound.pending, undefined);
});

test('a terminating namespace refuses new content until finalized, then disappears', async () => {
  await fx.registry.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } }, admin);
  await fx.registry.create(configmaps, 'doomed', cm('inside'), admin);
  const marked = await fx.registry.delete(namespaces, undefined, 'doomed', {}, user);
  assert.equal(marked.pending, true);
  assert.equal((marked.object.status as { phase: string }).phase, 'Terminating');
  const refused = await apiErrorOf(fx.registry.create(configmaps, 'doomed', cm('late'), admin));
  assert.equal(refused.code, 403);
  assert.equal(refused.reason, 'Forbidden');
  assert.equal(refused.message, 'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
  assert.equal(refused.details?.causes?.[0]?.reason, 'NamespaceTerminating');
  // A plain update cannot drop spec.finalizers; finalize can.
  const ns = await fx.registry.get(namespaces, undefined, 'doomed');
  const edit = structuredClone(ns);
  (edit.spec as { finalizers: string[] }).finalizers = [];
  const kept = (await fx.registry.update(namespaces, undefined, 'doomed', edit, admin)).object;
  assert.deepEqual((kept.spec as { finalizers: string[] }).finalizers, ['kubernetes']);
  await fx.registry.updateSubresource(namespaces, undefined, 'doomed', 'finalize', edit, admin);
  assert.equal((await apiErrorOf(fx.registry.get(namespaces, undefined, 'doomed'))).code, 404);
  const immortal = await apiErrorOf(fx.registry.delete(namespaces, undefined, 'kube-system', {}, user));
  assert.equal(immortal.code, 403);
  assert.equal(immortal.message, 'namespaces "kube-system" is forbidden: this namespace may not be deleted');
});

test('deleteCollection applies the single-object rules to what the selector picks', async () => {
  await fx.registry.create(configmaps, 'default', cm('batch-1', { labels: { batch: 'yes' } }), admin);
  await fx.registry.create(configmaps, 'default', cm('batch-2', { labels: { batch: 'yes' }, finalizers: ['example.com/hold'] }), admin);
  await fx.registry.create(configmaps, 'default', cm('keep-me', { labels: { batch: 'no' } }), admin);
  const list = await fx.registry.deleteCollection(configmaps, 'default', { labelSelector: 'batch=yes' }, {}, user);
  assert.equal(list.kind, 'ConfigMapList');
  assert.deepEqual((list.items as KubeObject[]).map((o) => o.metadata.name).sort(), ['batch-1', 'batch-2']);
  assert.equal((await apiErrorOf(fx.registry.get(configmaps, 'default', 'batch-1'))).code, 404);
  assert.ok((await fx.registry.get(configmaps, 'default', 'batch-2')).metadata.deletionTimestamp);
  await fx.registry.get(configmaps, 'default', 'keep-me');
});

test('watch passes store events through with type meta', async () => {
  const ac = new AbortController();
  const start = String(await fx.store.currentRevision());
  const events = await fx.registry.watch(configmaps, 'default', { resourceVersion: start }, ac.signal);
  const iter = events[Symbol.asyncIterator]();
  await fx.registry.create(configmaps, 'default', cm('watched'), admin);
  const first = await iter.next();
  assert.equal(first.value.type, 'ADDED');
  assert.equal((first.value.object as KubeObject).kind, 'ConfigMap');
  assert.equal((first.value.object as KubeObject).apiVersion, 'v1');
  ac.abort();
  await iter.return?.();
});
