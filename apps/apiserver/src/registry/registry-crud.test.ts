/** Create/get/list/update/patch/status against a real etcd member and the real store. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@skiff/log';
import type { KubeObject } from '../storage/store.ts';
import { admin, apiErrorOf, resource, startRegistryFixture, type RegistryFixture } from './testing/registry-fixture.ts';

let fx: RegistryFixture;
const pods = resource('', 'pods');
const configmaps = resource('', 'configmaps');
const namespaces = resource('', 'namespaces');
const deployments = resource('apps', 'deployments');

before(async () => {
  fx = await startRegistryFixture(21100);
  await fx.registry.bootstrap();
});
after(async () => {
  await fx?.close();
});

function podBody(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '1', memory: '64Mi' } } }] },
    ...extra,
  };
}

function deploymentBody(name: string, replicas = 2): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
    status: { replicas: 99 },
  };
}

test('bootstrap is idempotent and concurrent-safe', async () => {
  const { createRegistry } = await import('./registry.ts');
  const silent = createLogger('registry-test', 'silent');
  const a = createRegistry({ store: fx.store, advertiseAddress: '192.0.2.10', logger: silent });
  const b = createRegistry({ store: fx.store, advertiseAddress: '192.0.2.11', logger: silent });
  await Promise.all([fx.registry.bootstrap(), a.bootstrap(), b.bootstrap(), a.bootstrap()]);
  a.close();
  b.close();
  const list = await fx.registry.list(namespaces, undefined, {});
  const names = (list.items as KubeObject[]).map((n) => n.metadata.name).sort();
  for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) assert.ok(names.includes(ns), ns);
  const svc = await fx.registry.get(resource('', 'services'), 'default', 'kubernetes');
  assert.equal((svc.spec as { clusterIP: string }).clusterIP, '10.96.0.1');
  const ep = await fx.registry.get(resource('', 'endpoints'), 'default', 'kubernetes');
  assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '192.0.2.10' }, { ip: '192.0.2.11' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
  const slice = await fx.registry.get(resource('discovery.k8s.io', 'endpointslices'), 'default', 'kubernetes');
  assert.deepEqual(
    (slice.endpoints as { addresses: string[] }[]).map((e) => e.addresses[0]),
    ['192.0.2.10', '192.0.2.11'],
  );
  assert.equal(slice.metadata.labels?.['kubernetes.io/service-name'], 'kubernetes');
});

test('create sets server fields, kind hooks and answers typed', async () => {
  const { object, created } = await fx.registry.create(pods, 'default', podBody('p1', { metadata: { name: 'p1', resourceVersion: '5', uid: 'mine' } }), admin);
  assert.equal(created, true);
  assert.equal(object.apiVersion, 'v1');
  assert.equal(object.kind, 'Pod');
  assert.match(object.metadata.uid!, /^[0-9a-f-]{36}$/);
  assert.notEqual(object.metadata.uid, 'mine');
  assert.match(object.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(object.metadata.namespace, 'default');
  assert.equal(object.metadata.generation, 1);
  assert.ok(Number(object.metadata.resourceVersion) > 5 || object.metadata.resourceVersion !== '5');
  assert.deepEqual(object.status, { phase: 'Pending', qosClass: 'Guaranteed' });
  const got = await fx.registry.get(pods, 'default', 'p1');
  assert.equal(got.kind, 'Pod');
  assert.equal(got.metadata.resourceVersion, object.metadata.resourceVersion);

  const dep = await fx.registry.create(deployments, 'default', deploymentBody('d1'), admin);
  assert.deepEqual(dep.object.status, {}, 'workload status is cleared on create');
  const ns = await fx.registry.create(namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }, admin);
  assert.deepEqual((ns.object.spec as { finalizers: string[] }).finalizers, ['kubernetes']);
  assert.equal((ns.object.status as { phase: string }).phase, 'Active');
});

test('create rejects bad input with kube codes and writes nothing', async () => {
  const before = await fx.registry.list(pods, 'default', {});
  let err = await apiErrorOf(fx.registry.create(pods, 'default', { ...podBody('bad'), apiVersion: 'apps/v1' }, admin));
  assert.equal(err.code, 400);
  assert.equal(err.message, 'the API version in the data (apps/v1) does not match the expected API version (v1)');
  err = await apiErrorOf(fx.registry.create(pods, 'default', { ...podBody('bad'), kind: 'Service' }, admin));
  assert.equal(err.code, 400);
  err = await apiErrorOf(fx.registry.create(pods, 'default', podBody('bad', { metadata: { name: 'bad', namespace: 'kube-system' } }), admin));
  assert.equal(err.code, 400);
  assert.equal(err.message, 'the namespace of the provided object does not match the namespace sent on the request');
  err = await apiErrorOf(fx.registry.create(pods, 'nowhere', podBody('bad'), admin));
  assert.equal(err.code, 404);
  assert.equal(err.message, 'namespaces "nowhere" not found');
  err = await apiErrorOf(fx.registry.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: {} }, admin));
  assert.equal(err.code, 422);
  err = await apiErrorOf(fx.registry.create(pods, 'default', 'not an object', admin));
  assert.equal(err.code, 400);
  err = await apiErrorOf(fx.registry.create(pods, 'default', podBody('p1'), admin));
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'AlreadyExists');
  const afterList = await fx.registry.list(pods, 'default', {});
  assert.deepEqual(
    (afterList.items as KubeObject[]).map((p) => p.metadata.name),
    (before.items as KubeObject[]).map((p) => p.metadata.name),
  );
});

test('unknown fields: Strict is a 400, Ignore drops them', async () => {
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-unknown' }, data: { a: 'b' }, bogus: 1 };
  const err = await apiErrorOf(fx.registry.create(configmaps, 'default', body, { ...admin, fieldValidation: 'Strict' }));
  assert.equal(err.code, 400);
  assert.equal(err.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
  const { object } = await fx.registry.create(configmaps, 'default', body, { ...admin, fieldValidation: 'Ignore' });
  assert.equal(object.bogus, undefined);
  assert.deepEqual(object.data, { a: 'b' });
});

test('generateName makes unique names', async () => {
  const results = await Promise.all(
    Array.from({ length: 5 }, () =>
      fx.registry.create(configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } }, admin),
    ),
  );
  const names = results.map((r) => r.object.metadata.name!);
  assert.equal(new Set(names).size, 5);
  for (const n of names) assert.match(n, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('list answers the List kind with typed items and selectors', async () => {
  await fx.registry.create(pods, 'default', podBody('p2', { metadata: { name: 'p2', labels: { app: 'db' } } }), admin);
  const all = await fx.registry.list(pods, 'default', {});
  assert.equal(all.kind, 'PodList');
  assert.equal(all.apiVersion, 'v1');
  assert.ok(Number((all.metadata as { resourceVersion: string }).resourceVersion) > 0);
  for (const item of all.items as KubeObject[]) assert.equal(item.kind, 'Pod');
  const db = await fx.registry.list(pods, 'default', { labelSelector: 'app=db' });
  assert.deepEqual(
    (db.items as KubeObject[]).map((p) => p.metadata.name),
    ['p2'],
  );
  const err = await apiErrorOf(fx.registry.list(pods, 'default', { labelSelector: 'app in (' }));
  assert.equal(err.code, 400);
});

test('update: generation on spec change only, status kept, 409 on stale, no-op does not write', async () => {
  const created = (await fx.registry.create(deployments, 'default', deploymentBody('d2'), admin)).object;
  // Status through the subresource, then a main update that tries to change it.
  await fx.registry.updateSubresource(deployments, 'default', 'd2', 'status', { ...created, status: { replicas: 2 } }, admin);
  const current = await fx.registry.get(deployments, 'default', 'd2');
  const relabel = structuredClone(current);
  relabel.metadata.labels = { team: 'x' };
  relabel.status = { replicas: 7 };
  const r1 = (await fx.registry.update(deployments, 'default', 'd2', relabel, admin)).object;
  assert.equal(r1.metadata.generation, 1, 'labels are not spec');
  assert.deepEqual(r1.status, { replicas: 2 }, 'main update keeps the stored status');
  assert.deepEqual(r1.metadata.labels, { team: 'x' });
  assert.equal(r1.metadata.uid, created.metadata.uid);

  const scaled = structuredClone(r1);
  (scaled.spec as { replicas: number }).replicas = 5;
  const r2 = (await fx.registry.update(deployments, 'default', 'd2', scaled, admin)).object;
  assert.equal(r2.metadata.generation, 2);

  const stale = await apiErrorOf(fx.registry.update(deployments, 'default', 'd2', scaled, admin));
  assert.equal(stale.code, 409);
  assert.equal(stale.reason, 'Conflict');

  const same = structuredClone(r2);
  const r3 = (await fx.registry.update(deployments, 'default', 'd2', same, admin)).object;
  assert.equal(r3.metadata.resourceVersion, r2.metadata.resourceVersion, 'no-op update keeps the resourceVersion');

  const noRv = structuredClone(r2);
  delete noRv.metadata.resourceVersion;
  noRv.metadata.creationTimestamp = '2000-01-01T00:00:00Z';
  noRv.metadata.uid = 'forged';
  const r4 = (await fx.registry.update(deployments, 'default', 'd2', noRv, admin)).object;
  assert.equal(r4.metadata.uid, created.metadata.uid);
  assert.equal(r4.metadata.creationTimestamp, created.metadata.creationTimestamp);

  const absent = await apiErrorOf(fx.registry.update(deployments, 'default', 'nope', { ...deploymentBody('nope') }, admin));
  assert.equal(absent.code, 404);
  const wrongName = await apiErrorOf(fx.registry.update(deployments, 'default', 'd2', deploymentBody('other'), admin));
  assert.equal(wrongName.code, 400);
});

test('patch: merge, json (failed test is 422), strategic, missing is 404', async () => {
  await fx.registry.create(deployments, 'default', deploymentBody('d3'), admin);
  const merged = (await fx.registry.patch(deployments, 'default', 'd3', 'merge', { spec: { replicas: 4 }, status: { replicas: 1 } }, admin)).object;
  assert.equal((merged.spec as { replicas: number }).replicas, 4);
  assert.equal(merged.metadata.generation, 2);
  assert.deepEqual(merged.status, {}, 'patching the main resource does not touch status');
  const json = (await fx.registry.patch(deployments, 'default', 'd3', 'json', [{ op: 'replace', path: '/spec/replicas', value: 1 }], admin)).object;
  assert.equal((json.spec as { replicas: number }).replicas, 1);
  const failed = await apiErrorOf(fx.registry.patch(deployments, 'default', 'd3', 'json', [{ op: 'test', path: '/spec/replicas', value: 9 }], admin));
  assert.equal(failed.code, 422);
  const malformed = await apiErrorOf(fx.registry.patch(deployments, 'default', 'd3', 'json', { op: 'replace' }, admin));
  assert.equal(malformed.code, 400);
  const strategic = (
    await fx.registry.patch(
      deployments,
      'default',
      'd3',
      'strategic',
      { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } },
      admin,
    )
  ).object;
  const containers = (strategic.spec as { template: { spec: { containers: { name: string; image: string }[] } } }).template.spec.containers;
  assert.deepEqual(
    containers.map((c) => [c.name, c.image]),
    [['c', 'nginx:2']],
  );
  const missing = await apiErrorOf(fx.registry.patch(deployments, 'default', 'nope', 'merge', { spec: {} }, admin));
  assert.equal(missing.code, 404);
  const before = await fx.registry.get(deployments, 'default', 'd3');
  const immutable = await apiErrorOf(fx.registry.patch(deployments, 'default', 'd3', 'merge', { metadata: { name: 'renamed' } }, admin));
  assert.equal(immutable.code, 400);
  assert.equal((await fx.registry.get(deployments, 'default', 'd3')).metadata.resourceVersion, before.metadata.resourceVersion);
});

test('a patch carrying metadata.resourceVersion applies only to that version (409 when stale)', async () => {
  await fx.registry.create(deployments, 'default', deploymentBody('d-rv'), admin);
  const current = await fx.registry.get(deployments, 'default', 'd-rv');
  const rv = current.metadata.resourceVersion;
  const ok = (await fx.registry.patch(deployments, 'default', 'd-rv', 'merge', { metadata: { resourceVersion: rv }, spec: { replicas: 5 } }, admin)).object;
  assert.equal((ok.spec as { replicas: number }).replicas, 5);
  assert.notEqual(ok.metadata.resourceVersion, rv);
  const stale = await apiErrorOf(
    fx.registry.patch(deployments, 'default', 'd-rv', 'strategic', { metadata: { resourceVersion: rv }, spec: { replicas: 7 } }, admin),
  );
  assert.equal(stale.code, 409);
  assert.equal(stale.reason, 'Conflict');
  assert.equal(((await fx.registry.get(deployments, 'default', 'd-rv')).spec as { replicas: number }).replicas, 5);
});

test('server-side apply creates, then merges and records the manager', async () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { a: '1' } };
  const first = await fx.registry.patch(configmaps, 'default', 'applied', 'apply', cm, { ...admin, fieldManager: 'kubectl' });
  assert.equal(first.created, true);
  const entries = first.object.metadata.managedFields as { manager: string; operation: string }[];
  assert.deepEqual(
    entries.map((e) => [e.manager, e.operation]),
    [['kubectl', 'Apply']],
  );
  const second = (
    await fx.registry.patch(configmaps, 'default', 'applied', 'apply', { ...cm, data: { a: '1', b: '2' } }, { ...admin, fieldManager: 'kubectl' })
  ).object;
  assert.deepEqual(second.data, { a: '1', b: '2' });
  const again = (await fx.registry.patch(configmaps, 'default', 'applied', 'apply', { ...cm, data: { a: '1', b: '2' } }, { ...admin, fieldManager: 'kubectl' }))
    .object;
  assert.equal(again.metadata.resourceVersion, second.metadata.resourceVersion, 'an unchanged re-apply writes nothing');
});

test('status subresource changes status only, without a generation bump', async () => {
  const dep = (await fx.registry.create(deployments, 'default', deploymentBody('d4'), admin)).object;
  const body = structuredClone(dep);
  (body.spec as { replicas: number }).replicas = 50;
  body.metadata.labels = { sneaky: 'yes' };
  body.status = { replicas: 2, readyReplicas: 1 };
  const updated = (await fx.registry.updateSubresource(deployments, 'default', 'd4', 'status', body, admin)).object;
  assert.deepEqual(updated.status, { replicas: 2, readyReplicas: 1 });
  assert.equal((updated.spec as { replicas: number }).replicas, 2);
  assert.equal(updated.metadata.labels, undefined);
  assert.equal(updated.metadata.generation, 1);
  const stale = await apiErrorOf(fx.registry.updateSubresource(deployments, 'default', 'd4', 'status', body, admin));
  assert.equal(stale.code, 409);
  const patched = (
    await fx.registry.patchSubresource(deployments, 'default', 'd4', 'status', 'merge', { status: { readyReplicas: 2 }, spec: { replicas: 9 } }, admin)
  ).object;
  assert.deepEqual(patched.status, { replicas: 2, readyReplicas: 2 });
  assert.equal((patched.spec as { replicas: number }).replicas, 2);
  const got = await fx.registry.getSubresource(deployments, 'default', 'd4', 'status');
  assert.equal(got.kind, 'Deployment');
  const none = await apiErrorOf(fx.registry.getSubresource(configmaps, 'default', 'applied', 'status'));
  assert.equal(none.code, 404);
});

test('scale subresource reads and writes replicas', async () => {
  await fx.registry.create(deployments, 'default', deploymentBody('d5', 3), admin);
  const scale = await fx.registry.getSubresource(deployments, 'default', 'd5', 'scale');
  assert.equal(scale.apiVersion, 'autoscaling/v1');
  assert.equal(scale.kind, 'Scale');
  assert.deepEqual(scale.spec, { replicas: 3 });
  assert.deepEqual(scale.status, { replicas: 0, selector: 'app=d5' });
  const put = (await fx.registry.updateSubresource(deployments, 'default', 'd5', 'scale', { ...scale, spec: { replicas: 6 } }, admin)).object;
  assert.deepEqual(put.spec, { replicas: 6 });
  const dep = await fx.registry.get(deployments, 'default', 'd5');
  assert.equal((dep.spec as { replicas: number }).replicas, 6);
  assert.equal(dep.metadata.generation, 2);
  const patched = (await fx.registry.patchSubresource(deployments, 'default', 'd5', 'scale', 'merge', { spec: { replicas: 1 } }, admin)).object;
  assert.deepEqual(patched.spec, { replicas: 1 });
  const negative = await apiErrorOf(fx.registry.updateSubresource(deployments, 'default', 'd5', 'scale', { spec: { replicas: -1 } }, admin));
  assert.equal(negative.code, 422);
  assert.equal(negative.message, 'Scale.autoscaling "d5" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  const stale = await apiErrorOf(fx.registry.updateSubresource(deployments, 'default', 'd5', 'scale', { ...scale, spec: { replicas: 2 } }, admin));
  assert.equal(stale.code, 409);
});

test('binding assigns a node once', async () => {
  await fx.registry.create(pods, 'default', podBody('to-bind'), admin);
  const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'to-bind' }, target: { kind: 'Node', name: 'node-1' } };
  const result = await fx.registry.createSubresource(pods, 'default', 'to-bind', 'binding', binding, admin);
  assert.equal(result.created, true);
  assert.equal((result.object as unknown as { status: string }).status, 'Success');
  const pod = await fx.registry.get(pods, 'default', 'to-bind');
  assert.equal((pod.spec as { nodeName: string }).nodeName, 'node-1');
  const cond = (pod.status as { conditions: { type: string; status: string }[] }).conditions;
  assert.deepEqual(
    cond.map((c) => [c.type, c.status]),
    [['PodScheduled', 'True']],
  );
  const twice = await apiErrorOf(
    fx.registry.createSubresource(pods, 'default', 'to-bind', 'binding', { ...binding, target: { kind: 'Node', name: 'node-2' } }, admin),
  );
  assert.equal(twice.code, 409);
  assert.equal(twice.message, 'Operation cannot be fulfilled on pods/binding "to-bind": pod to-bind is already assigned to node "node-1"');
  // The `bindings` collection form.
  await fx.registry.create(pods, 'default', podBody('to-bind-2'), admin);
  await fx.registry.create(resource('', 'bindings'), 'default', { ...binding, metadata: { name: 'to-bind-2' } }, admin);
  assert.equal(((await fx.registry.get(pods, 'default', 'to-bind-2')).spec as { nodeName: string }).nodeName, 'node-1');
});

test('dryRun writes nothing', async () => {
  const rev = await fx.store.currentRevision();
  const created = await fx.registry.create(
    configmaps,
    'default',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dry' } },
    { ...admin, dryRun: true },
  );
  assert.equal(created.object.metadata.name, 'dry');
  await apiErrorOf(fx.registry.get(configmaps, 'default', 'dry'));
  const stored = await fx.registry.get(deployments, 'default', 'd5');
  const dry = await fx.registry.patch(deployments, 'default', 'd5', 'merge', { spec: { replicas: 9 } }, { ...admin, dryRun: true });
  assert.equal((dry.object.spec as { replicas: number }).replicas, 9);
  assert.equal(dry.object.metadata.resourceVersion, stored.metadata.resourceVersion, 'a dry run answers the stored resourceVersion');
  await fx.registry.delete(deployments, 'default', 'd5', { dryRun: true }, admin.user);
  assert.equal(await fx.store.currentRevision(), rev);
});

test('validation failures are 422 Invalid with field causes, and nothing is written', async () => {
  const rev = await fx.store.currentRevision();
  const noImage = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'no-image' }, spec: { containers: [{ name: 'c' }] } };
  const err = await apiErrorOf(fx.registry.create(pods, 'default', noImage, admin));
  assert.equal(err.code, 422);
  assert.equal(err.reason, 'Invalid');
  assert.ok(
    err.details?.causes?.some((c) => c.field === 'spec.containers[0].image'),
    JSON.stringify(err.details),
  );
  const badName = await apiErrorOf(fx.registry.create(configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_Valid' } }, admin));
  assert.equal(badName.code, 422);
  assert.equal(badName.details?.causes?.[0]?.field, 'metadata.name');
  await fx.registry.create(deployments, 'default', deploymentBody('d6'), admin);
  const rev2 = await fx.store.currentRevision();
  const selector = await apiErrorOf(
    fx.registry.patch(
      deployments,
      'default',
      'd6',
      'merge',
      { spec: { selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'other' } } } } },
      admin,
    ),
  );
  assert.equal(selector.code, 422, selector.message);
  assert.equal(await fx.store.currentRevision(), rev2);
  assert.ok(rev2 > rev);
});
