import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InformerCache, diffCache, indexByNamespace, indexByNodeName, indexByOwnerUid, objectKey, splitKey, type IndexFunc } from './informer-cache.ts';
import type { KubeObject } from './rest-client.ts';

interface Obj extends KubeObject {
  spec?: { nodeName?: string };
}

function pod(ns: string, name: string, rv: string, extra: { node?: string; owners?: string[]; uid?: string } = {}): Obj {
  return {
    metadata: {
      namespace: ns || undefined,
      name,
      resourceVersion: rv,
      uid: extra.uid ?? `uid-${ns}-${name}`,
      ownerReferences: extra.owners?.map((uid) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid })),
    },
    spec: extra.node ? { nodeName: extra.node } : {},
  };
}

function newCache(): InformerCache<Obj> {
  const cache = new InformerCache<Obj>();
  cache.addIndex('namespace', indexByNamespace as IndexFunc<Obj>);
  cache.addIndex('owner', indexByOwnerUid as IndexFunc<Obj>);
  cache.addIndex('node', indexByNodeName as IndexFunc<Obj>);
  return cache;
}

const names = (objs: KubeObject[]) => objs.map(objectKey).sort();

describe('objectKey / splitKey', () => {
  it('round-trips namespaced and cluster-scoped keys', () => {
    assert.equal(objectKey(pod('default', 'web', '1')), 'default/web');
    assert.equal(objectKey(pod('', 'node-1', '1')), 'node-1');
    assert.deepEqual(splitKey('default/web'), { namespace: 'default', name: 'web' });
    assert.deepEqual(splitKey('node-1'), { namespace: undefined, name: 'node-1' });
  });
});

describe('InformerCache', () => {
  it('stores by namespace and name, lists per namespace, counts', () => {
    const cache = newCache();
    cache.upsert(pod('a', 'x', '1'));
    cache.upsert(pod('a', 'y', '2'));
    cache.upsert(pod('b', 'x', '3'));
    cache.upsert(pod('', 'cluster', '4'));
    assert.equal(cache.size, 4);
    assert.equal(cache.get('a', 'x')?.metadata?.resourceVersion, '1');
    assert.equal(cache.get('b', 'x')?.metadata?.resourceVersion, '3');
    assert.equal(cache.get(undefined, 'cluster')?.metadata?.resourceVersion, '4');
    assert.equal(cache.getByKey('a/y')?.metadata?.resourceVersion, '2');
    assert.deepEqual(names(cache.list('a')), ['a/x', 'a/y']);
    assert.deepEqual(names(cache.list()), ['a/x', 'a/y', 'b/x', 'cluster']);
  });

  it('freezes what it stores, deeply', () => {
    const cache = newCache();
    const obj = pod('a', 'x', '1', { node: 'n1' });
    cache.upsert(obj);
    assert.ok(Object.isFrozen(obj) && Object.isFrozen(obj.metadata) && Object.isFrozen(obj.spec));
    assert.throws(() => {
      (cache.get('a', 'x')!.spec as { nodeName: string }).nodeName = 'n2';
    }, TypeError);
    const copy = structuredClone(cache.get('a', 'x')!);
    copy.spec!.nodeName = 'n2';
    assert.equal(cache.get('a', 'x')!.spec!.nodeName, 'n1');
  });

  it('keeps indexes current across add, update and remove', () => {
    const cache = newCache();
    cache.upsert(pod('a', 'p1', '1', { node: 'n1', owners: ['rs1'] }));
    cache.upsert(pod('a', 'p2', '2', { node: 'n1', owners: ['rs1', 'rs2'] }));
    cache.upsert(pod('b', 'p3', '3', { node: 'n2' }));
    assert.deepEqual(names(cache.byIndex('node', 'n1')), ['a/p1', 'a/p2']);
    assert.deepEqual(names(cache.byIndex('owner', 'rs1')), ['a/p1', 'a/p2']);
    assert.deepEqual(names(cache.byIndex('owner', 'rs2')), ['a/p2']);
    assert.deepEqual(names(cache.byIndex('namespace', 'b')), ['b/p3']);

    // p1 moves to n2 and loses its owner.
    cache.upsert(pod('a', 'p1', '4', { node: 'n2' }));
    assert.deepEqual(names(cache.byIndex('node', 'n1')), ['a/p2']);
    assert.deepEqual(names(cache.byIndex('node', 'n2')), ['a/p1', 'b/p3']);
    assert.deepEqual(names(cache.byIndex('owner', 'rs1')), ['a/p2']);

    assert.equal(cache.remove(pod('a', 'p2', '9'))?.metadata?.resourceVersion, '2');
    assert.deepEqual(cache.byIndex('node', 'n1'), []);
    assert.deepEqual(cache.byIndex('owner', 'rs2'), []);
    assert.equal(cache.remove(pod('a', 'missing', '1')), undefined);
    assert.equal(cache.size, 2);
  });

  it('builds a late index over objects already cached, and rejects unknown or duplicate indexes', () => {
    const cache = new InformerCache<Obj>();
    cache.upsert(pod('a', 'p1', '1', { node: 'n1' }));
    cache.addIndex('node', indexByNodeName as IndexFunc<Obj>);
    assert.deepEqual(names(cache.byIndex('node', 'n1')), ['a/p1']);
    assert.throws(() => cache.byIndex('nope', 'x'), /no index named nope/);
    assert.throws(() => cache.addIndex('node', indexByNodeName as IndexFunc<Obj>), /already exists/);
  });

  it('replace answers what was added, changed (by resourceVersion or uid) and vanished', () => {
    const cache = newCache();
    cache.replace([pod('a', 'same', '1'), pod('a', 'changed', '2'), pod('a', 'gone', '3', { node: 'n1' }), pod('a', 'recreated', '4')]);
    const before = cache.get('a', 'same');
    const diff = cache.replace([pod('a', 'same', '1'), pod('a', 'changed', '5'), pod('a', 'new', '6'), pod('a', 'recreated', '4', { uid: 'other' })]);
    assert.deepEqual(names(diff.added), ['a/new']);
    assert.deepEqual(diff.updated.map((u) => [objectKey(u.new), u.old.metadata?.resourceVersion, u.new.metadata?.resourceVersion]).sort(), [
      ['a/changed', '2', '5'],
      ['a/recreated', '4', '4'],
    ]);
    assert.deepEqual(names(diff.deleted), ['a/gone']);
    assert.deepEqual(names(cache.list()), ['a/changed', 'a/new', 'a/recreated', 'a/same']);
    assert.equal(cache.get('a', 'same'), before, 'an unchanged object keeps its cached instance');
    assert.deepEqual(cache.byIndex('node', 'n1'), []);
  });

  it('diffCache of identical content is empty', () => {
    const cache = newCache();
    cache.replace([pod('a', 'x', '1'), pod('', 'c', '2')]);
    assert.deepEqual(diffCache(cache, [pod('a', 'x', '1'), pod('', 'c', '2')]), { added: [], updated: [], deleted: [] });
  });
});
