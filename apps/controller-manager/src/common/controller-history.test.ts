import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision } from '@skiff/api';
import { ApiStatusError, type KubeObject } from '@skiff/client';
import {
  controllerRevisionName,
  createControllerRevision,
  findEqualRevisions,
  fnv32,
  hashRevisionData,
  marshalJson,
  newControllerRevision,
  nextRevision,
  ownedOrOrphanRevisions,
  revisionsToPrune,
  REVISION_DATA_HASH_LABEL,
  sortRevisions,
  templateOfRevision,
  templatePatch,
} from './controller-history.ts';

const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'sts-1' } };
const gvk = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } };

function revision(name: string, rev: number, data: unknown = templatePatch(template), extra: Partial<ControllerRevision['metadata']> = {}): ControllerRevision {
  return {
    metadata: { name, namespace: 'ns', labels: { app: 'web' }, creationTimestamp: '2026-01-01T00:00:00Z', ...extra },
    data: data as ControllerRevision['data'],
    revision: rev,
  };
}

test('fnv32 is FNV-1 (Go fnv.New32): reference vectors', () => {
  const enc = new TextEncoder();
  assert.equal(fnv32(enc.encode('')), 0x811c9dc5);
  assert.equal(fnv32(enc.encode('a')), 0x050c5d7e);
  assert.equal(fnv32(enc.encode('foobar')), 0x31f0b262);
});

test('templatePatch is upstream’s replace patch, and templateOfRevision reads it back', () => {
  const data = templatePatch(template);
  assert.equal(
    marshalJson(data),
    '{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1","name":"web"}]}}}}',
  );
  assert.deepEqual(templateOfRevision(revision('web-x', 1, data)), template);
});

test('marshalJson escapes like Go and sorts keys', () => {
  assert.equal(marshalJson({ b: '<a&b>', a: 1 }), '{"a":1,"b":"\\u003ca\\u0026b\\u003e"}');
});

test('hashRevisionData: stable, safe-encoded, and moved by the collision count', () => {
  const data = templatePatch(template);
  const h = hashRevisionData(data);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(hashRevisionData(structuredClone(data)), h);
  assert.notEqual(hashRevisionData(data, 1), h);
  assert.notEqual(hashRevisionData(templatePatch({ ...template, spec: { containers: [{ name: 'web', image: 'nginx:2' }] } })), h);
});

test('newControllerRevision: name, labels, owner, revision', () => {
  const data = templatePatch(template);
  const cr = newControllerRevision({
    parent: owner,
    gvk,
    templateLabels: { app: 'web' },
    data,
    revision: 3,
    hash: 'abc',
    hashLabel: REVISION_DATA_HASH_LABEL,
    annotations: { a: 'b' },
  });
  assert.equal(cr.metadata?.name, 'web-abc');
  assert.deepEqual(cr.metadata?.labels, { app: 'web', [REVISION_DATA_HASH_LABEL]: 'abc' });
  assert.deepEqual(cr.metadata?.annotations, { a: 'b' });
  assert.equal(cr.metadata?.ownerReferences?.[0]?.uid, 'sts-1');
  assert.equal(cr.metadata?.ownerReferences?.[0]?.controller, true);
  assert.equal(cr.revision, 3);
  assert.equal(controllerRevisionName('x'.repeat(300), 'h').length, 225);
});

test('ordering, next revision, equality and ownership', () => {
  const a = revision('web-a', 2);
  const b = revision('web-b', 1, templatePatch({ ...template, metadata: { labels: { app: 'web', v: '2' } } }));
  const c = revision('web-c', 2, undefined, { creationTimestamp: '2025-01-01T00:00:00Z' });
  assert.deepEqual(
    sortRevisions([a, b, c]).map((r) => r.metadata?.name),
    ['web-b', 'web-c', 'web-a'],
  );
  assert.equal(nextRevision([a, b]), 3);
  assert.equal(nextRevision([]), 1);
  assert.deepEqual(
    findEqualRevisions([a, b, c], revision('needle', 9)).map((r) => r.metadata?.name),
    ['web-a', 'web-c'],
  );
  const theirs = revision('other', 1, undefined, {
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'x', uid: 'other', controller: true }],
  });
  const mine = revision('mine', 1, undefined, {
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts-1', controller: true }],
  });
  const unrelated = revision('db', 1, undefined, { labels: { app: 'db' } });
  assert.deepEqual(
    ownedOrOrphanRevisions([theirs, mine, a, unrelated], owner, (l) => l.app === 'web').map((r) => r.metadata?.name),
    ['mine', 'web-a'],
  );
});

test('revisionsToPrune keeps the live ones and the newest unused up to the limit', () => {
  const revs = [1, 2, 3, 4, 5].map((n) => revision(`web-${n}`, n));
  assert.deepEqual(
    revisionsToPrune(revs, new Set(['web-4', 'web-5']), 2).map((r) => r.metadata?.name),
    ['web-1'],
  );
  assert.deepEqual(
    revisionsToPrune(revs, new Set(['web-1']), 0).map((r) => r.metadata?.name),
    ['web-2', 'web-3', 'web-4', 'web-5'],
  );
  assert.deepEqual(revisionsToPrune(revs, new Set(), 10), []);
});

test('createControllerRevision: same data under the name is reused, different data bumps the collision count', async () => {
  const data = templatePatch(template);
  const stored = new Map<string, KubeObject>();
  const alreadyExists = new ApiStatusError({ code: 409, reason: 'AlreadyExists', message: 'exists' });
  const client = {
    create: async <T extends KubeObject>(_res: unknown, obj: T) => {
      if (stored.has(obj.metadata!.name!)) throw alreadyExists;
      stored.set(obj.metadata!.name!, obj);
      return obj;
    },
    get: async <T extends KubeObject>(_res: unknown, _ns: string | undefined, name: string) => stored.get(name) as T,
  };
  const hashOf = (n: number) => hashRevisionData(data, n);
  const cr = newControllerRevision({ parent: owner, gvk, templateLabels: {}, data, revision: 1, hash: hashOf(0), hashLabel: REVISION_DATA_HASH_LABEL });
  const first = await createControllerRevision(client, cr, 0, hashOf, REVISION_DATA_HASH_LABEL);
  assert.equal(first.collisionCount, 0);
  assert.equal(first.revision.metadata?.name, `web-${hashOf(0)}`);
  const again = await createControllerRevision(client, cr, 0, hashOf, REVISION_DATA_HASH_LABEL);
  assert.equal(again.collisionCount, 0, 'same data: the existing revision');
  // Someone else's data under our next name: a collision.
  stored.set(`web-${hashOf(0)}`, { metadata: { name: `web-${hashOf(0)}` }, data: { other: true } } as KubeObject);
  const collided = await createControllerRevision(client, cr, 0, hashOf, REVISION_DATA_HASH_LABEL);
  assert.equal(collided.collisionCount, 1);
  assert.equal(collided.revision.metadata?.name, `web-${hashOf(1)}`);
  assert.equal(collided.revision.metadata?.labels?.[REVISION_DATA_HASH_LABEL], hashOf(1));
});
