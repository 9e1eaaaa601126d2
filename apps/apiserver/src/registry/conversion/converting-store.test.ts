import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, type ResourceInfo } from '@skiff/api';
import type { KubeObject, Store, WatchEvent } from '../../storage/store.ts';
import { createConvertingStore } from './converting-store.ts';

const coreEvents = findResource('', 'v1', 'events')!;
const groupEvents = findResource('events.k8s.io', 'v1', 'events')!;
const pods = findResource('', 'v1', 'pods')!;

/** What the store was asked, and one shared object it answers with, as a watch cache does. */
function fakeStore(shared: KubeObject): { store: Store; calls: { verb: string; res: ResourceInfo; obj?: KubeObject }[] } {
  const calls: { verb: string; res: ResourceInfo; obj?: KubeObject }[] = [];
  const store = {
    async create(res: ResourceInfo, obj: KubeObject) {
      calls.push({ verb: 'create', res, obj });
      return obj;
    },
    async get(res: ResourceInfo) {
      calls.push({ verb: 'get', res });
      return shared;
    },
    async list(res: ResourceInfo) {
      calls.push({ verb: 'list', res });
      return { items: [shared], resourceVersion: '7' };
    },
    async guaranteedUpdate(res: ResourceInfo, _ns: string, _name: string, tryUpdate: (o: KubeObject) => Promise<KubeObject | undefined>) {
      const out = await tryUpdate(structuredClone(shared));
      calls.push({ verb: 'guaranteedUpdate', res, obj: out });
      return out ?? shared;
    },
    async *watch(res: ResourceInfo): AsyncIterable<WatchEvent> {
      calls.push({ verb: 'watch', res });
      yield { type: 'ADDED', object: shared };
      yield { type: 'BOOKMARK', object: { metadata: { resourceVersion: '8' } } };
    },
  } as unknown as Store;
  return { store, calls };
}

const stored: KubeObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'e', namespace: 'default' },
  involvedObject: { name: 'web' },
  message: 'hi',
  source: {},
  reportingComponent: '',
  reportingInstance: '',
};

test('kinds without a converter pass through: same resource, same objects', async () => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
  const { store, calls } = fakeStore(pod);
  const converting = createConvertingStore(store);
  assert.equal(await converting.get(pods, 'default', 'p'), pod);
  assert.equal(calls[0]!.res, pods);
  // The storage version itself, already in shape, is not copied either.
  const events = createConvertingStore(fakeStore(stored).store);
  assert.equal(await events.get(coreEvents, 'default', 'e'), stored);
});

test('reads in another version go to the storage resource and answer converted copies', async () => {
  const original = structuredClone(stored);
  const { store, calls } = fakeStore(stored);
  const converting = createConvertingStore(store);
  const got = await converting.get(groupEvents, 'default', 'e');
  assert.equal(calls[0]!.res, coreEvents);
  assert.deepEqual(got.regarding, { name: 'web' });
  assert.equal(got.note, 'hi');
  const listed = await converting.list(groupEvents, undefined);
  assert.equal(listed.items[0]!.note, 'hi');
  const events: WatchEvent[] = [];
  for await (const event of converting.watch(groupEvents, undefined, {}, new AbortController().signal)) events.push(event);
  assert.deepEqual(
    events.map((e) => e.type),
    ['ADDED', 'BOOKMARK'],
  );
  assert.equal((events[0]!.object as KubeObject).note, 'hi');
  (events[0]!.object as KubeObject).metadata.name = 'mutated';
  assert.deepEqual(stored, original, 'the shared stored object is never changed');
});

test('writes reach the store in the storage version; the update sees the request version', async () => {
  const { store, calls } = fakeStore(stored);
  const converting = createConvertingStore(store);
  const created = await converting.create(groupEvents, {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'n' },
    regarding: { name: 'web' },
    note: 'x',
  });
  assert.equal(calls[0]!.res, coreEvents);
  assert.equal(calls[0]!.obj!.message, 'x');
  assert.equal(created.note, 'x');

  const updated = await converting.guaranteedUpdate(groupEvents, 'default', 'e', (current) => {
    assert.equal(current.note, 'hi');
    return { ...current, note: 'changed' };
  });
  assert.equal(calls[1]!.obj!.message, 'changed');
  assert.equal(updated.note, 'changed');
  await converting.guaranteedUpdate(groupEvents, 'default', 'e', () => undefined);
  assert.equal(calls[2]!.obj, undefined, 'no change stays no change');
});
