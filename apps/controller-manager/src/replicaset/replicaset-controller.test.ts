import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ReplicaSet, ResourceInfo } from '@skiff/api';
import { InformerCache, indexByOwnerUid, OWNER_UID_INDEX, type KubeObject } from '@skiff/client';
import { ReplicaSetController, replicaSetKind } from './replicaset-controller.ts';
import { indexOrphanPodsByNamespace, ORPHAN_POD_INDEX } from './sync.ts';

interface Action {
  verb: string;
  resource: string;
  name?: string;
  subresource?: string;
  body?: unknown;
}

/** A client that records every write and answers like the apiserver would. */
function fakeClient(rsCache: InformerCache<ReplicaSet>) {
  const actions: Action[] = [];
  let seq = 0;
  const client = {
    async create<T extends KubeObject>(res: ResourceInfo, obj: T): Promise<T> {
      const name = `${obj.metadata?.generateName}${String(++seq).padStart(5, 'x')}`;
      actions.push({ verb: 'create', resource: res.resource, name, body: obj });
      return { ...obj, metadata: { ...obj.metadata, name, uid: `uid-${name}` } };
    },
    async delete(res: ResourceInfo, _ns: string | undefined, name: string) {
      actions.push({ verb: 'delete', resource: res.resource, name });
      return { kind: 'Status' };
    },
    async patch<T>(res: ResourceInfo, _ns: string | undefined, name: string, type: string, patch: unknown): Promise<T> {
      actions.push({ verb: `patch-${type}`, resource: res.resource, name, body: patch });
      return {} as T;
    },
    async update<T extends KubeObject>(res: ResourceInfo, obj: T, opts: { subresource?: string } = {}): Promise<T> {
      actions.push({ verb: 'update', resource: res.resource, name: obj.metadata?.name, subresource: opts.subresource, body: obj });
      return obj;
    },
    async get<T>(res: ResourceInfo, ns: string | undefined, name: string): Promise<T> {
      actions.push({ verb: 'get', resource: res.resource, name });
      return rsCache.get(ns, name) as T;
    },
  };
  return { client, actions };
}

function setup(replicas: number, pods: Pod[] = []) {
  const rsCache = new InformerCache<ReplicaSet>();
  rsCache.addIndex(OWNER_UID_INDEX, indexByOwnerUid);
  const podCache = new InformerCache<Pod>();
  podCache.addIndex(OWNER_UID_INDEX, indexByOwnerUid);
  podCache.addIndex(ORPHAN_POD_INDEX, indexOrphanPodsByNamespace);
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'rs-1', generation: 1, resourceVersion: '10' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
  rsCache.upsert(rs);
  for (const pod of pods) podCache.upsert(pod);
  const { client, actions } = fakeClient(rsCache);
  const events: string[] = [];
  const controller = new ReplicaSetController({
    kind: replicaSetKind,
    client,
    rsLister: rsCache,
    podLister: podCache,
    recorder: { event: (_obj, type, reason, message) => void events.push(`${type} ${reason} ${message}`) },
    now: () => new Date('2024-01-01T01:00:00Z'),
  });
  return { controller, rsCache, podCache, actions, events, rs };
}

const ownerRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-1', controller: true, blockOwnerDeletion: true };

function pod(name: string, opts: { owned?: boolean; node?: string; ready?: boolean; labels?: Record<string, string>; rv?: string } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      resourceVersion: opts.rv ?? '1',
      labels: opts.labels ?? { app: 'web' },
      creationTimestamp: '2024-01-01T00:00:00Z',
      ...(opts.owned === false ? {} : { ownerReferences: [ownerRef] }),
    },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...(opts.node ? { nodeName: opts.node } : {}) },
    status: {
      phase: opts.node ? 'Running' : 'Pending',
      conditions: opts.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] : [],
    },
  };
}

const writes = (actions: Action[]) => actions.filter((a) => a.verb !== 'get');

test('scale up creates the missing pods with a controller ref, then writes status', async () => {
  const { controller, actions, events } = setup(3);
  assert.equal(await controller.sync('ns/web'), undefined);
  const creates = actions.filter((a) => a.verb === 'create');
  assert.equal(creates.length, 3);
  for (const c of creates) {
    const body = c.body as Pod;
    assert.equal(body.metadata?.generateName, 'web-');
    assert.deepEqual(body.metadata?.labels, { app: 'web' });
    assert.deepEqual(body.metadata?.ownerReferences, [ownerRef]);
  }
  assert.deepEqual(
    events,
    creates.map((c) => `Normal SuccessfulCreate Created pod: ${c.name}`),
  );
  const status = actions.find((a) => a.verb === 'update');
  assert.equal(status?.subresource, 'status');
  assert.deepEqual((status?.body as ReplicaSet).status, {
    replicas: 0,
    fullyLabeledReplicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    observedGeneration: 1,
  });
});

test('expectations prevent double creation until the informer shows the pods', async () => {
  const { controller, actions, podCache } = setup(2);
  await controller.sync('ns/web');
  const created = actions
    .filter((a) => a.verb === 'create')
    .map((a) => ({ ...(a.body as Pod), metadata: { ...(a.body as Pod).metadata, name: a.name, uid: `uid-${a.name}`, resourceVersion: '5' } }));
  actions.length = 0;
  // The watch is slow: the cache still shows no pods.
  await controller.sync('ns/web');
  assert.equal(actions.filter((a) => a.verb === 'create').length, 0);
  // One pod arrives: still waiting for the other.
  podCache.upsert(created[0]);
  controller.podEvents.add!(created[0]);
  await controller.sync('ns/web');
  assert.equal(actions.filter((a) => a.verb === 'create').length, 0);
  podCache.upsert(created[1]);
  controller.podEvents.add!(created[1]);
  assert.equal(controller.deps.expectations.satisfied('ns/web'), true);
  actions.length = 0;
  await controller.sync('ns/web');
  assert.equal(actions.filter((a) => a.verb === 'create' || a.verb === 'delete').length, 0);
});

test('scale down deletes unscheduled, then not-ready pods, keeping the ready ones', async () => {
  const pods = [pod('ready1', { node: 'n1', ready: true }), pod('unscheduled'), pod('notready', { node: 'n2' }), pod('ready2', { node: 'n3', ready: true })];
  const { controller, actions, events } = setup(2, pods);
  await controller.sync('ns/web');
  const deleted = actions
    .filter((a) => a.verb === 'delete')
    .map((a) => a.name)
    .sort();
  assert.deepEqual(deleted, ['notready', 'unscheduled']);
  assert.deepEqual(events.sort(), ['Normal SuccessfulDelete Deleted pod: notready', 'Normal SuccessfulDelete Deleted pod: unscheduled']);
  assert.equal(controller.deps.expectations.satisfied('ns/web'), false);
  // A pod deleted by someone else does not satisfy the expectation; ours do.
  controller.podEvents.delete!(pods[0]);
  assert.equal(controller.deps.expectations.satisfied('ns/web'), false);
  controller.podEvents.delete!(pods[1]);
  controller.podEvents.delete!(pods[2]);
  assert.equal(controller.deps.expectations.satisfied('ns/web'), true);
});

test('an orphan matching the selector is adopted with a strategic patch carrying its uid', async () => {
  const orphan = pod('orphan', { owned: false, node: 'n1', ready: true });
  const { controller, actions } = setup(1, [orphan]);
  assert.deepEqual(controller.podEvents.add!(orphan), ['ns/web']);
  await controller.sync('ns/web');
  assert.ok(
    actions.some((a) => a.verb === 'get' && a.name === 'web'),
    'rechecks the live ReplicaSet before adopting',
  );
  const w = writes(actions);
  assert.equal(w[0].verb, 'patch-strategic');
  assert.equal(w[0].name, 'orphan');
  assert.deepEqual(w[0].body, { metadata: { ownerReferences: [ownerRef], uid: 'uid-orphan' } });
  assert.equal(w.filter((a) => a.verb === 'create').length, 0, 'the adopted pod counts toward replicas');
  assert.equal((w.find((a) => a.verb === 'update')?.body as ReplicaSet).status?.readyReplicas, 1);
});

test('an owned pod whose labels no longer match is released and replaced', async () => {
  const relabelled = pod('moved', { node: 'n1', ready: true, labels: { app: 'debug' } });
  const { controller, actions } = setup(1, [relabelled]);
  await controller.sync('ns/web');
  const w = writes(actions);
  assert.deepEqual(w[0], {
    verb: 'patch-strategic',
    resource: 'pods',
    name: 'moved',
    body: { metadata: { ownerReferences: [{ $patch: 'delete', uid: 'rs-1' }], uid: 'uid-moved' } },
  });
  assert.equal(w.filter((a) => a.verb === 'create').length, 1);
});

test('a failed create records FailedCreate, lowers expectations, sets ReplicaFailure and throws', async () => {
  const { controller, actions, events } = setup(4);
  let calls = 0;
  const client = controller.deps.client as { create: (...args: never[]) => Promise<unknown> };
  const original = client.create;
  client.create = async (...args: never[]) => {
    if (++calls === 2) throw new Error('pods "web-" is forbidden: exceeded quota');
    return original(...args);
  };
  await assert.rejects(controller.sync('ns/web'), /exceeded quota/);
  // Batches 1 then 2 (one fails): 3 calls, 2 created, 4th never tried.
  assert.equal(calls, 3);
  assert.ok(events.includes('Warning FailedCreate Error creating: pods "web-" is forbidden: exceeded quota'));
  assert.deepEqual(controller.deps.expectations.pending('ns/web'), { adds: 2, dels: 0 });
  const status = (actions.find((a) => a.verb === 'update')?.body as ReplicaSet).status;
  assert.equal(status?.conditions?.[0].type, 'ReplicaFailure');
  assert.equal(status?.conditions?.[0].reason, 'FailedCreate');
});

test('pod handlers: owner resolved by UID; orphans enqueue every matching ReplicaSet', () => {
  const { controller } = setup(1);
  const events = controller.podEvents;
  assert.equal(
    events.add!({ ...pod('stale'), metadata: { ...pod('stale').metadata, ownerReferences: [{ ...ownerRef, uid: 'old-uid' }] } }),
    undefined,
    'a ref to a deleted RS of the same name is ignored',
  );
  assert.deepEqual(events.add!(pod('nomatch', { owned: false, labels: { app: 'db' } })), []);
  const before = pod('p', { rv: '1' });
  assert.equal(events.update!(before, before), undefined, 'resync updates are skipped');
  assert.deepEqual(events.update!(before, pod('p', { rv: '2', ready: true })), ['ns/web']);
});

test('ReplicaSet handlers: a recreated or deleted ReplicaSet drops what was expected of the old one', () => {
  const { controller, rs } = setup(1);
  const { expectations } = controller.deps;
  expectations.expectCreations('ns/web', 2);
  const recreated = { ...rs, metadata: { ...rs.metadata, uid: 'rs-2', resourceVersion: '9' } };
  assert.equal(controller.replicaSetEvents.update!(rs, recreated), 'ns/web');
  assert.equal(expectations.pending('ns/web'), undefined);
  expectations.expectCreations('ns/web', 2);
  assert.equal(controller.replicaSetEvents.delete!(recreated), 'ns/web');
  assert.equal(expectations.pending('ns/web'), undefined);
});

test('a missing ReplicaSet forgets its expectations', async () => {
  const { controller } = setup(1);
  controller.deps.expectations.expectCreations('ns/gone', 3);
  assert.equal(await controller.sync('ns/gone'), undefined);
  assert.equal(controller.deps.expectations.pending('ns/gone'), undefined);
});
