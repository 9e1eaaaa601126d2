import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from './json-patch.ts';
import { PatchError } from './patch-error.ts';

function deployment() {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'img:1' }] } } },
  };
}

const applies: Array<{ name: string; ops: unknown[]; check: (out: ReturnType<typeof deployment>) => void }> = [
  {
    name: 'add a label',
    ops: [{ op: 'add', path: '/metadata/labels/tier', value: 'front' }],
    check: (out) => assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'front' }),
  },
  {
    name: 'replace replicas after a passing test (optimistic update)',
    ops: [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 5 },
    ],
    check: (out) => assert.equal(out.spec.replicas, 5),
  },
  {
    name: 'remove a label',
    ops: [{ op: 'remove', path: '/metadata/labels/app' }],
    check: (out) => assert.deepEqual(out.metadata.labels, {}),
  },
  {
    name: 'append a container and replace an image by index',
    ops: [
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'side', image: 'busybox' } },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'img:2' },
    ],
    check: (out) =>
      assert.deepEqual(out.spec.template.spec.containers, [
        { name: 'web', image: 'img:2' },
        { name: 'side', image: 'busybox' },
      ]),
  },
  {
    name: 'keys with ~1 escapes (annotations with slashes)',
    ops: [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'web' }],
    check: (out) => assert.equal((out.metadata.labels as Record<string, string>)['app.kubernetes.io/name'], 'web'),
  },
];

for (const c of applies) {
  test(`applyJsonPatch: ${c.name}`, () => {
    const doc = deployment();
    const ops = structuredClone(c.ops);
    c.check(applyJsonPatch(doc, ops) as ReturnType<typeof deployment>);
    assert.deepEqual(doc, deployment(), 'input document unchanged');
    assert.deepEqual(ops, c.ops, 'input operations unchanged');
  });
}

const failures: Array<{ name: string; ops: unknown; kind: string; message: RegExp }> = [
  {
    name: 'failing test op',
    ops: [{ op: 'test', path: '/metadata/name', value: 'db' }],
    kind: 'conflict',
    message: /^testing value \/metadata\/name failed: test failed$/,
  },
  {
    name: 'remove a missing path',
    ops: [{ op: 'remove', path: '/metadata/annotations' }],
    kind: 'conflict',
    message: /remove operation does not apply: doc is missing path: "\/metadata\/annotations"/,
  },
  {
    name: 'replace a missing path',
    ops: [{ op: 'replace', path: '/spec/paused', value: true }],
    kind: 'conflict',
    message: /replace operation does not apply/,
  },
  {
    name: 'add under a missing parent',
    ops: [{ op: 'add', path: '/metadata/annotations/a', value: 'b' }],
    kind: 'conflict',
    message: /add operation does not apply: doc is missing path/,
  },
  { name: 'index out of range', ops: [{ op: 'add', path: '/spec/template/spec/containers/9', value: {} }], kind: 'conflict', message: /invalid array index/ },
  { name: 'move from a missing path', ops: [{ op: 'move', from: '/nope', path: '/x' }], kind: 'conflict', message: /missing from path: "\/nope"/ },
  { name: 'not an array', ops: { op: 'add' }, kind: 'invalid', message: /must be a JSON array/ },
  { name: 'an operation that is not an object', ops: ['add'], kind: 'invalid', message: /operation 0 must be a JSON object/ },
  { name: 'unknown op', ops: [{ op: 'frob', path: '/x' }], kind: 'invalid', message: /operation 0 .* is invalid/ },
  { name: 'missing value', ops: [{ op: 'add', path: '/x' }], kind: 'invalid', message: /is invalid/ },
  { name: 'prototype pollution', ops: [{ op: 'add', path: '/__proto__/polluted', value: 1 }], kind: 'invalid', message: /invalid json patch/ },
];

for (const c of failures) {
  test(`applyJsonPatch rejects: ${c.name}`, () => {
    const doc = deployment();
    assert.throws(
      () => applyJsonPatch(doc, c.ops),
      (err: unknown) => {
        assert.ok(err instanceof PatchError);
        assert.equal(err.kind, c.kind);
        assert.equal(err.code, c.kind === 'conflict' ? 422 : 400);
        assert.match(err.message, c.message);
        return true;
      },
    );
    assert.deepEqual(doc, deployment(), 'a failed patch leaves the document unchanged');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
}

test('applyJsonPatch: an added value is not shared with the operation', () => {
  const value = { name: 'side', image: 'busybox' };
  const out = applyJsonPatch(deployment(), [{ op: 'add', path: '/spec/template/spec/containers/-', value }]) as ReturnType<typeof deployment>;
  out.spec.template.spec.containers[1].image = 'changed';
  assert.equal(value.image, 'busybox');
});

test('applyJsonPatch: more than 10,000 operations are refused before any applies', () => {
  const ops = Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/spec/replicas', value: 1 }));
  assert.throws(
    () => applyJsonPatch(deployment(), ops),
    (err: unknown) =>
      err instanceof PatchError &&
      err.kind === 'tooLarge' &&
      err.code === 413 &&
      err.message === 'The allowed maximum operations in a JSON patch is 10000, got 10001',
  );
  assert.equal((applyJsonPatch(deployment(), ops.slice(1)) as ReturnType<typeof deployment>).spec.replicas, 1);
});

test('applyJsonPatch: copies that double the object stop at the copy budget, quickly', () => {
  // Each copy puts the whole metadata inside itself: 2^40 times the object if nothing stops it.
  const ops = Array.from({ length: 40 }, (_, i) => ({ op: 'copy', from: '/metadata', path: `/metadata/c${i}` }));
  const started = performance.now();
  assert.throws(
    () => applyJsonPatch(deployment(), ops),
    (err: unknown) =>
      err instanceof PatchError &&
      err.kind === 'conflict' &&
      /^Unable to complete the copy, the accumulated size increase of copy is \d+, exceeding the limit 3145728$/.test(err.message),
  );
  assert.ok(performance.now() - started < 1000, 'refused in well under a second');
  assert.throws(
    () =>
      applyJsonPatch(
        { a: 'x'.repeat(60) },
        [
          { op: 'copy', from: '/a', path: '/b' },
          { op: 'copy', from: '/a', path: '/c' },
        ],
        { maxCopyBytes: 100 },
      ),
    /accumulated size increase of copy is 124, exceeding the limit 100/,
  );
  assert.deepEqual(applyJsonPatch({ a: 'x' }, [{ op: 'copy', from: '/a', path: '/b' }]), { a: 'x', b: 'x' });
});

test('applyJsonPatch: moves on a large object do not clone it per operation', () => {
  const big = { spec: { blob: 'x'.repeat(1_000_000) }, a: 1 };
  const ops = Array.from({ length: 10_000 }, (_, i) => ({ op: 'move', from: i % 2 ? '/b' : '/a', path: i % 2 ? '/a' : '/b' }));
  const started = performance.now();
  assert.deepEqual(Object.keys(applyJsonPatch(big, ops) as object).sort(), ['a', 'spec']);
  assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
});
