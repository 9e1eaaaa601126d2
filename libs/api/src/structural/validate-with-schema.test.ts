import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateSchema, cronTabSchema } from './fixtures.test-data.ts';
import { type JsonSchema, validateWithSchema } from './index.ts';

/** "field: message" lines, the way kubectl prints the causes. */
function causes(schema: JsonSchema, obj: unknown, old?: unknown): string[] {
  return validateWithSchema(schema, obj, old).map((e) => `${e.field}: ${e.message}`);
}

const cert = (spec: Record<string, unknown>) => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'web', namespace: 'default' },
  spec: { secretName: 'web-tls', issuerRef: { name: 'ca' }, ...spec },
});

test('a valid Certificate has no errors; root apiVersion/kind/metadata are not checked', () => {
  assert.deepEqual(
    causes(
      certificateSchema,
      cert({
        dnsNames: ['example.com', 'www.example.com'],
        ipAddresses: ['10.0.0.1'],
        emailAddresses: ['ops@example.com'],
        duration: '2160h',
        renewBefore: '360h0m0s',
        revisionHistoryLimit: 3,
        isCA: false,
        usages: ['server auth'],
        privateKey: { algorithm: 'ECDSA', size: 256 },
        secretTemplate: { labels: { app: 'web' } },
        keystores: { pkcs12: { create: true, anything: { goes: 1 } } },
        ports: [
          { port: 443, protocol: 'TCP', targetPort: 'https' },
          { port: 443, protocol: 'UDP', targetPort: 8443 },
        ],
        template: { apiVersion: 'v1', kind: 'Pod', whatever: true },
        podRef: { apiVersion: 'v1', kind: 'Pod', spec: {} },
      }),
    ),
    [],
  );
});

test('types, with Kubernetes messages', () => {
  assert.deepEqual(causes(cronTabSchema, { spec: { replicas: 'string' } }), [
    'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  ]);
  assert.deepEqual(causes(certificateSchema, cert({ revisionHistoryLimit: 1.5, isCA: 'yes', dnsNames: 'a', issuerRef: null })), [
    'spec.issuerRef: Invalid value: "null": spec.issuerRef in body must be of type object: "null"',
    'spec.revisionHistoryLimit: Invalid value: "number": spec.revisionHistoryLimit in body must be of type integer: "number"',
    'spec.isCA: Invalid value: "string": spec.isCA in body must be of type boolean: "string"',
    'spec.dnsNames: Invalid value: "string": spec.dnsNames in body must be of type array: "string"',
    '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  ]);
  // nullable accepts null; int-or-string takes either but nothing else
  assert.deepEqual(causes(certificateSchema, cert({ privateKey: null })), []);
  assert.deepEqual(causes(certificateSchema, cert({ ports: [{ port: 1, targetPort: true }] })), [
    'spec.ports[0].targetPort: Invalid value: "boolean": spec.ports[0].targetPort in body must be of type integer,string: "boolean"',
    '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  ]);
});

test('required, enum, bounds, lengths, items, properties', () => {
  assert.deepEqual(causes(certificateSchema, { apiVersion: 'x/v1', kind: 'Certificate', metadata: {} }), ['spec: Required value']);
  assert.deepEqual(causes(certificateSchema, cert({ issuerRef: {}, secretName: '' })), [
    'spec.secretName: Invalid value: "": spec.secretName in body should be at least 1 chars long',
    'spec.issuerRef.name: Required value',
  ]);
  assert.deepEqual(causes(certificateSchema, cert({ usages: ['server auth', 'signing'], privateKey: { algorithm: 'DSA' } })), [
    'spec.usages[1]: Unsupported value: "signing": supported values: "digital signature", "key encipherment", "server auth", "client auth"',
    'spec.privateKey.algorithm: Unsupported value: "DSA": supported values: "RSA", "ECDSA", "Ed25519"',
  ]);
  assert.deepEqual(causes(cronTabSchema, { spec: { replicas: 11 } }), [
    'spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10',
  ]);
  assert.deepEqual(causes(cronTabSchema, { spec: { replicas: 0 } }), [
    'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
  ]);
  assert.deepEqual(causes(certificateSchema, cert({ commonName: 'x'.repeat(65), dnsNames: ['a', 'b', 'c', 'd'] })), [
    'spec.commonName: Too long: must have at most 64 bytes',
    'spec.dnsNames: Too many: 4: must have at most 3 items',
  ]);
  assert.deepEqual(causes(certificateSchema, cert({ secretTemplate: { labels: { ok: 'v', bad: 'x'.repeat(64) } } })), [
    'spec.secretTemplate.labels[bad]: Too long: must have at most 63 bytes',
  ]);
  assert.deepEqual(causes(cronTabSchema, { spec: { cronSpec: 'every minute' } }), [
    `spec.cronSpec: Invalid value: "every minute": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`,
  ]);
});

test('formats', () => {
  const s: JsonSchema = {
    type: 'object',
    properties: Object.fromEntries(
      ['date-time', 'date', 'byte', 'uuid', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'duration'].map((f) => [f, { type: 'string', format: f }]),
    ),
  };
  const good = {
    'date-time': '2024-02-29T12:00:00Z',
    date: '2024-02-29',
    byte: 'aGVsbG8=',
    uuid: '123e4567-e89b-12d3-a456-426614174000',
    email: 'a@b.c',
    hostname: 'a-b.example.com',
    ipv4: '192.168.0.1',
    ipv6: '::1',
    cidr: '10.0.0.0/8',
    duration: '1h30m',
  };
  assert.deepEqual(causes(s, good), []);
  const bad = {
    'date-time': '2024-02-29',
    date: '2024-13-01',
    byte: 'a',
    uuid: 'x',
    email: 'nope',
    hostname: '-a',
    ipv4: '256.0.0.1',
    ipv6: 'fe80::zz',
    cidr: '10.0.0.0/33',
    duration: '5 minutes',
  };
  assert.deepEqual(
    causes(s, bad),
    Object.entries(bad).map(([f, v]) => `${f}: Invalid value: ${JSON.stringify(v)}: ${f} in body must be of type ${f}: ${JSON.stringify(v)}`),
  );
  assert.deepEqual(causes(certificateSchema, cert({ revisionHistoryLimit: 3000000000 })), [
    'spec.revisionHistoryLimit: Invalid value: 3000000000: spec.revisionHistoryLimit in body must be of type int32: "3000000000"',
  ]);
});

test('list-type set and map report duplicates; embedded resources need apiVersion and kind', () => {
  assert.deepEqual(causes(certificateSchema, cert({ dnsNames: ['a.com', 'b.com', 'a.com'] })), ['spec.dnsNames[2]: Duplicate value: "a.com"']);
  // protocol defaults to TCP in the key, so the two items collide
  assert.deepEqual(causes(certificateSchema, cert({ ports: [{ port: 80, protocol: 'TCP' }, { port: 80 }] })), [
    'spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}',
  ]);
  assert.deepEqual(causes(certificateSchema, cert({ podRef: { spec: {} } })), [
    'spec.podRef.apiVersion: Required value: must not be empty',
    'spec.podRef.kind: Required value: must not be empty',
  ]);
});

test('additionalProperties schemas, combinators', () => {
  const s: JsonSchema = {
    type: 'object',
    properties: {
      a: { type: 'integer', anyOf: [{ minimum: 10 }, { maximum: 0 }] },
      b: { type: 'string', oneOf: [{ pattern: '^x' }, { pattern: 'y$' }] },
      c: { type: 'string', not: { enum: ['forbidden'] } },
      d: { type: 'number', multipleOf: 0.5, exclusiveMaximum: true, maximum: 2 },
    },
  };
  assert.deepEqual(causes(s, { a: 11, b: 'xa', c: 'ok', d: 1.5 }), []);
  assert.deepEqual(causes(s, { a: 5, b: 'xy', c: 'forbidden', d: 2 }), [
    'a: Invalid value: 5: "a" must validate at least one schema (anyOf)',
    'b: Invalid value: "xy": "b" must validate one and only one schema (oneOf)',
    'c: Invalid value: "forbidden": "c" must not validate the schema (not)',
    'd: Invalid value: 2: d in body should be less than 2',
  ]);
  assert.deepEqual(causes(s, { d: 1.25 }), ['d: Invalid value: 1.25: d in body should be a multiple of 0.5']);
});

test('CEL rules: message, default message, fieldPath and reason, evaluation errors', () => {
  assert.deepEqual(causes(cronTabSchema, { spec: { minReplicas: 5, maxReplicas: 2 } }), [
    'spec: Invalid value: "object": minReplicas cannot be larger than maxReplicas',
  ]);
  assert.deepEqual(causes(certificateSchema, cert({ privateKey: { algorithm: 'Ed25519', size: 256 } })), [
    'spec.privateKey.size: Forbidden: size is not used with Ed25519',
  ]);
  const s: JsonSchema = {
    type: 'object',
    properties: {
      name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.startsWith("a")' }] },
      n: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self % 2 == 0', messageExpression: '"n must be even, got " + string(self)' }] },
      ratio: { type: 'number', 'x-kubernetes-validations': [{ rule: 'self < 1.0' }] },
      m: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-validations': [{ rule: 'self.x > 0' }] },
    },
  };
  assert.deepEqual(causes(s, { name: 'abc', n: 4, ratio: 0.5, m: { x: 1 } }), []);
  // a number-typed field holding an integral value is still a CEL double
  assert.deepEqual(causes(s, { ratio: 0 }), []);
  assert.deepEqual(causes(s, { name: 'b', n: 3, m: {} }), [
    'name: Invalid value: "b": failed rule: self.startsWith("a")',
    'n: Invalid value: n must be even, got 3',
    'm: Invalid value: "object": no such key: x',
  ]);
});

test('CEL sees numbers as the schema types them: number is double even when written 1, integer is int', () => {
  const s: JsonSchema = {
    type: 'object',
    properties: {
      ratio: { type: 'number' },
      weights: { type: 'array', items: { type: 'number' } },
      byName: { type: 'object', additionalProperties: { type: 'number' } },
      count: { type: 'integer' },
      size: { 'x-kubernetes-int-or-string': true },
    },
    'x-kubernetes-validations': [
      { rule: 'self.ratio * 2.0 == 2.0', message: 'ratio' },
      { rule: 'self.weights.all(w, w < 10.0) && self.weights.sum() == 3.0', message: 'weights' },
      { rule: 'self.byName.x / 2.0 == 0.5', message: 'byName' },
      { rule: 'self.count + 1 == 4 && self.size + 1 == 51', message: 'ints' },
    ],
  };
  assert.deepEqual(causes(s, { ratio: 1, weights: [1, 2], byName: { x: 1 }, count: 3, size: 50 }), []);
  assert.deepEqual(causes(s, { ratio: 1.5, weights: [1, 2.5], byName: { x: 1 }, count: 3, size: 50 }), [
    ': Invalid value: "object": ratio',
    ': Invalid value: "object": weights',
  ]);
});

test('CEL transition rules see oldSelf only on update, correlated by key', () => {
  const s: JsonSchema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          mode: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'mode is immutable' }] },
          items: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                size: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'may only grow' }] },
              },
            },
          },
        },
      },
    },
  };
  const old = {
    spec: {
      mode: 'a',
      items: [
        { name: 'x', size: 5 },
        { name: 'y', size: 1 },
      ],
    },
  };
  assert.deepEqual(causes(s, { spec: { mode: 'b', items: [{ name: 'z', size: 1 }] } }), []); // create: no old value
  assert.deepEqual(
    causes(
      s,
      {
        spec: {
          mode: 'a',
          items: [
            { name: 'y', size: 2 },
            { name: 'x', size: 5 },
          ],
        },
      },
      old,
    ),
    [],
  );
  assert.deepEqual(
    causes(
      s,
      {
        spec: {
          mode: 'b',
          items: [
            { name: 'y', size: 0 },
            { name: 'new', size: 0 },
          ],
        },
      },
      old,
    ),
    ['spec.mode: Invalid value: "b": mode is immutable', 'spec.items[0].size: Invalid value: 0: may only grow'],
  );
});

test('patterns are Go regular expressions: leading flags, \\A and \\z, escapes RE2 allows', () => {
  const s: JsonSchema = {
    type: 'object',
    properties: {
      a: { type: 'string', pattern: '(?i)^abc$' },
      b: { type: 'string', pattern: '\\A[a-z\\_]+\\z' },
      c: { type: 'string', pattern: '^\\p{Lu}' },
    },
  };
  assert.deepEqual(causes(s, { a: 'ABC', b: 'a_b', c: 'Émile' }), []);
  assert.deepEqual(causes(s, { a: 'abcd', b: 'a-b', c: 'émile' }).length, 3);
});
