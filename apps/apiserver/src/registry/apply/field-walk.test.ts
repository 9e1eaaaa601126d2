import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { patchMetaFor } from '@skiff/api';
import { compareValues, fieldsOf, mergeApplied, removePaths } from './field-walk.ts';
import type { FieldSet } from './field-set.ts';
import { hintForEndpoint, hintFromPatchMeta, hintFromSchema } from './type-hint.ts';

const deployment = hintFromPatchMeta(patchMetaFor('apps/v1/Deployment'));
const service = hintFromPatchMeta(patchMetaFor('v1/Service'));
const pod = hintFromPatchMeta(patchMetaFor('v1/Pod'));

function paths(set: FieldSet): string[] {
  return [...set.paths()].map((p) => p.join(' ')).sort();
}

const podSpec = (containers: unknown[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', uid: 'u', labels: { a: '1' } }, spec: { containers } });

describe('fieldsOf', () => {
  it('owns leaves, keyed items and set values; never server-set metadata, apiVersion or kind', () => {
    const set = fieldsOf({ ...podSpec([{ name: 'web', image: 'nginx', args: ['a', 'b'] }]), metadata: { name: 'p', uid: 'u', finalizers: ['x'] } }, pod);
    assert.deepEqual(paths(set), [
      'f:metadata f:finalizers v:"x"',
      'f:spec f:containers k:{"name":"web"}',
      'f:spec f:containers k:{"name":"web"} f:args',
      'f:spec f:containers k:{"name":"web"} f:image',
      'f:spec f:containers k:{"name":"web"} f:name',
    ]);
  });

  it('keys container ports by containerPort and protocol, defaulting protocol to TCP', () => {
    const set = fieldsOf(podSpec([{ name: 'dns', ports: [{ containerPort: 53 }, { containerPort: 53, protocol: 'UDP' }] }]), pod);
    const ports = paths(set).filter((p) => p.includes('f:ports') && p.endsWith('}'));
    assert.deepEqual(ports, [
      'f:spec f:containers k:{"name":"dns"} f:ports k:{"containerPort":53,"protocol":"TCP"}',
      'f:spec f:containers k:{"name":"dns"} f:ports k:{"containerPort":53,"protocol":"UDP"}',
    ]);
  });

  it('keys Service ports by port and protocol, and topology spread constraints by key and whenUnsatisfiable', () => {
    const svc = fieldsOf({ spec: { ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] } }, service);
    assert.ok(svc.has(['f:spec', 'f:ports', 'k:{"port":53,"protocol":"UDP"}']));
    assert.ok(svc.has(['f:spec', 'f:ports', 'k:{"port":53,"protocol":"TCP"}']));
    const spread = fieldsOf({ spec: { topologySpreadConstraints: [{ topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', maxSkew: 1 }] } }, pod);
    assert.ok(spread.has(['f:spec', 'f:topologySpreadConstraints', 'k:{"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule"}', 'f:maxSkew']));
  });

  it('owns an atomic list whole, and a map list whose item lacks a key as atomic', () => {
    const set = fieldsOf({ spec: { template: { spec: { tolerations: [{ key: 'a' }], containers: [{ image: 'x' }] } } } }, deployment);
    assert.deepEqual(paths(set), ['f:spec f:template f:spec f:containers', 'f:spec f:template f:spec f:tolerations']);
  });

  it('follows a CRD schema: list-map keys with defaults, sets, atomic maps', () => {
    const hint = hintFromSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            ports: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name', 'proto'],
              items: { type: 'object', properties: { name: { type: 'string' }, proto: { type: 'string', default: 'tcp' }, port: { type: 'integer' } } },
            },
            tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
            selector: { type: 'object', 'x-kubernetes-map-type': 'atomic' },
          },
        },
      },
    });
    const set = fieldsOf({ spec: { ports: [{ name: 'a', port: 1 }], tags: ['x'], selector: { k: 'v' } } }, hint);
    assert.deepEqual(paths(set), [
      'f:spec f:ports k:{"name":"a","proto":"tcp"}',
      'f:spec f:ports k:{"name":"a","proto":"tcp"} f:name',
      'f:spec f:ports k:{"name":"a","proto":"tcp"} f:port',
      'f:spec f:selector',
      'f:spec f:tags v:"x"',
    ]);
  });
});

describe('compareValues', () => {
  it('tells added, modified and removed fields apart, item by key', () => {
    const before = podSpec([
      { name: 'a', image: '1' },
      { name: 'b', image: '1' },
    ]);
    const after = {
      ...podSpec([
        { name: 'a', image: '2' },
        { name: 'c', image: '1' },
      ]),
      metadata: { name: 'p', uid: 'other', labels: { a: '1', b: '2' } },
    };
    const cmp = compareValues(before, after, pod);
    assert.deepEqual(paths(cmp.modified), ['f:spec f:containers k:{"name":"a"} f:image']);
    assert.deepEqual(paths(cmp.added), [
      'f:metadata f:labels f:b',
      'f:spec f:containers k:{"name":"c"}',
      'f:spec f:containers k:{"name":"c"} f:image',
      'f:spec f:containers k:{"name":"c"} f:name',
    ]);
    assert.deepEqual(paths(cmp.removed), [
      'f:spec f:containers k:{"name":"b"}',
      'f:spec f:containers k:{"name":"b"} f:image',
      'f:spec f:containers k:{"name":"b"} f:name',
    ]);
  });

  it('sees an atomic list change as one modified field', () => {
    const cmp = compareValues(
      { spec: { template: { spec: { tolerations: [{ key: 'a' }] } } } },
      { spec: { template: { spec: { tolerations: [{ key: 'b' }] } } } },
      deployment,
    );
    assert.deepEqual(paths(cmp.modified), ['f:spec f:template f:spec f:tolerations']);
  });

  it('ignores status through the main endpoint of a kind with a status subresource, and spec through status', () => {
    const main = hintForEndpoint(deployment, '', true);
    const status = hintForEndpoint(deployment, 'status', true);
    const a = { spec: { replicas: 1 }, status: { replicas: 1 } };
    const b = { spec: { replicas: 2 }, status: { replicas: 2 } };
    assert.deepEqual(paths(compareValues(a, b, main).modified), ['f:spec f:replicas']);
    assert.deepEqual(paths(compareValues(a, b, status).modified), ['f:status f:replicas']);
  });
});

describe('mergeApplied and removePaths', () => {
  it('merges map lists by key (live order, new items last), unions sets, replaces atomic lists', () => {
    const live = {
      metadata: { finalizers: ['a'] },
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'a', image: '1', ports: [{ containerPort: 80, protocol: 'TCP' }] },
              { name: 'b', image: '1' },
            ],
            tolerations: [{ key: 'x' }],
          },
        },
      },
    };
    const config = {
      metadata: { finalizers: ['b'] },
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'c', image: '3' },
              { name: 'a', image: '2', ports: [{ containerPort: 80, name: 'http' }] },
            ],
            tolerations: [{ key: 'y' }],
          },
        },
      },
    };
    assert.deepEqual(mergeApplied(live, config, deployment), {
      metadata: { finalizers: ['a', 'b'] },
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'a', image: '2', ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }] },
              { name: 'b', image: '1' },
              { name: 'c', image: '3' },
            ],
            tolerations: [{ key: 'y' }],
          },
        },
      },
    });
  });

  it('removes fields, keyed items and set values; paths that lead nowhere are skipped', () => {
    const obj = {
      metadata: { labels: { a: '1', b: '2' }, finalizers: ['x', 'y'] },
      spec: {
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 80, protocol: 'UDP' },
        ],
      },
    };
    removePaths(obj, [
      ['f:metadata', 'f:labels', 'f:a'],
      ['f:metadata', 'f:finalizers', 'v:"x"'],
      ['f:spec', 'f:ports', 'k:{"port":80,"protocol":"UDP"}'],
      ['f:nothing', 'f:here'],
    ]);
    assert.deepEqual(obj, { metadata: { labels: { b: '2' }, finalizers: ['y'] }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } });
  });
});
