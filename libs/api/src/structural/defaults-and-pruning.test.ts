import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateSchema, cronTabSchema } from './fixtures.test-data.ts';
import { applySchemaDefaults, type JsonSchema, pruneWithSchema } from './index.ts';

test('defaults fill absent fields and non-nullable nulls, parents before children, deep-copied', () => {
  const obj: Record<string, any> = { spec: { replicas: null, image: 'nginx' } };
  applySchemaDefaults(cronTabSchema, obj);
  assert.deepEqual(obj, { spec: { replicas: 1, image: 'nginx' } });

  const s: JsonSchema = {
    type: 'object',
    properties: {
      tls: {
        type: 'object',
        default: {},
        properties: { mode: { type: 'string', default: 'strict' }, ports: { type: 'array', items: { type: 'integer' }, default: [443] } },
      },
      opt: { type: 'string', nullable: true, default: 'x' },
      tags: { type: 'object', additionalProperties: { type: 'string', default: 'none' } },
      list: { type: 'array', items: { type: 'object', default: { kind: 'a' }, properties: { kind: { type: 'string' }, n: { type: 'integer', default: 1 } } } },
    },
  };
  const a: Record<string, any> = { opt: null, tags: { a: null, b: 'set' }, list: [null, { kind: 'b' }] };
  applySchemaDefaults(s, a);
  assert.deepEqual(a, {
    tls: { mode: 'strict', ports: [443] },
    opt: null, // nullable: null stays
    tags: { a: 'none', b: 'set' },
    list: [
      { kind: 'a', n: 1 },
      { kind: 'b', n: 1 },
    ],
  });
  const b: Record<string, any> = {};
  applySchemaDefaults(s, b);
  b.tls.ports.push(80);
  assert.deepEqual((s.properties as any).tls.properties.ports.default, [443], 'the schema default is not shared');

  const c = { spec: { secretName: 's', issuerRef: { name: 'ca' }, privateKey: {}, ports: [{ port: 80 }] } };
  applySchemaDefaults(certificateSchema, c);
  assert.deepEqual(c.spec, {
    secretName: 's',
    issuerRef: { name: 'ca', kind: 'Issuer' },
    privateKey: { algorithm: 'RSA' },
    ports: [{ port: 80, protocol: 'TCP' }],
  });
});

test('pruning drops unknown fields and answers their paths', () => {
  const obj = {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'web', labels: { a: 'b' } },
    extra: true,
    spec: {
      secretName: 's',
      typo: 1,
      issuerRef: { name: 'ca', nme: 'x' },
      ports: [{ port: 1 }, { port: 2, junk: {} }],
      secretTemplate: { labels: { app: 'web' } },
      keystores: { pkcs12: { create: true, password: 'kept', nested: { any: 1 } } },
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } },
      podRef: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {}, unknown: 1 },
    },
    status: { anything: ['goes'] },
  };
  const removed = pruneWithSchema(certificateSchema, obj);
  assert.deepEqual(removed, ['extra', 'spec.typo', 'spec.issuerRef.nme', 'spec.ports[1].junk', 'spec.podRef.unknown']);
  assert.deepEqual(obj, {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: 'web', labels: { a: 'b' } },
    spec: {
      secretName: 's',
      issuerRef: { name: 'ca' },
      ports: [{ port: 1 }, { port: 2 }],
      secretTemplate: { labels: { app: 'web' } },
      keystores: { pkcs12: { create: true, password: 'kept', nested: { any: 1 } } },
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } },
      podRef: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} },
    },
    status: { anything: ['goes'] },
  });
});

test('under preserve-unknown-fields, specified fields are still pruned by their own schemas', () => {
  const s: JsonSchema = {
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
  };
  const obj = { free: { x: 1 }, spec: { a: 'x', b: 'y' } };
  assert.deepEqual(pruneWithSchema(s, obj), ['spec.b']);
  assert.deepEqual(obj, { free: { x: 1 }, spec: { a: 'x' } });
});
