import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from './merge-patch.ts';
import { PatchError } from './patch-error.ts';

// RFC 7386 appendix A, plus what kubectl label / annotate / scale send.
const cases: Array<{ name: string; doc: unknown; patch: unknown; want: unknown }> = [
  { name: 'RFC: replace a value', doc: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'RFC: add a value', doc: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { name: 'RFC: null deletes', doc: { a: 'b' }, patch: { a: null }, want: {} },
  { name: 'RFC: null deletes one of two', doc: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { name: 'RFC: array replaced by a string', doc: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'RFC: string replaced by an array', doc: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
  { name: 'RFC: nested merge and delete', doc: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, want: { a: { b: 'd' } } },
  { name: 'RFC: arrays are replaced, not merged', doc: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
  { name: 'RFC: nulls inside arrays stay', doc: {}, patch: { a: [null] }, want: { a: [null] } },
  { name: 'RFC: nulls in new objects vanish', doc: { e: null }, patch: { a: 1, b: { c: null } }, want: { e: null, a: 1, b: {} } },
  {
    name: 'kubectl label web tier=front',
    doc: { metadata: { name: 'web', labels: { app: 'web' } } },
    patch: { metadata: { labels: { tier: 'front' } } },
    want: { metadata: { name: 'web', labels: { app: 'web', tier: 'front' } } },
  },
  {
    name: 'kubectl label web app-',
    doc: { metadata: { name: 'web', labels: { app: 'web', tier: 'front' } } },
    patch: { metadata: { labels: { app: null } } },
    want: { metadata: { name: 'web', labels: { tier: 'front' } } },
  },
  {
    name: 'kubectl annotate on an object without annotations',
    doc: { metadata: { name: 'web' } },
    patch: { metadata: { annotations: { 'example.com/owner': 'ops' } } },
    want: { metadata: { name: 'web', annotations: { 'example.com/owner': 'ops' } } },
  },
  {
    name: 'kubectl scale (scale subresource)',
    doc: { kind: 'Scale', spec: { replicas: 1 }, status: { replicas: 1 } },
    patch: { spec: { replicas: 3 } },
    want: { kind: 'Scale', spec: { replicas: 3 }, status: { replicas: 1 } },
  },
  {
    name: 'a list of containers is replaced whole',
    doc: {
      spec: {
        containers: [
          { name: 'a', image: '1' },
          { name: 'b', image: '1' },
        ],
      },
    },
    patch: { spec: { containers: [{ name: 'a', image: '2' }] } },
    want: { spec: { containers: [{ name: 'a', image: '2' }] } },
  },
];

for (const c of cases) {
  test(`applyMergePatch: ${c.name}`, () => {
    const doc = structuredClone(c.doc);
    const patch = structuredClone(c.patch);
    assert.deepEqual(applyMergePatch(doc, patch), c.want);
    assert.deepEqual(doc, c.doc, 'document unchanged');
    assert.deepEqual(patch, c.patch, 'patch unchanged');
  });
}

test('applyMergePatch: the result shares nothing with its inputs', () => {
  const doc = { metadata: { labels: { a: '1' } }, spec: { x: { y: 1 } } };
  const patch = { spec: { z: { w: 1 } } };
  const out = applyMergePatch(doc, patch) as { metadata: { labels: Record<string, string> }; spec: { z: { w: number } } };
  out.metadata.labels.a = 'changed';
  out.spec.z.w = 2;
  assert.equal(doc.metadata.labels.a, '1');
  assert.equal(patch.spec.z.w, 1);
});

for (const patch of [null, [], 'x', 3]) {
  test(`applyMergePatch rejects a patch that is ${JSON.stringify(patch)}`, () => {
    assert.throws(
      () => applyMergePatch({ a: 1 }, patch),
      (err: unknown) => {
        assert.ok(err instanceof PatchError);
        assert.equal(err.kind, 'invalid');
        assert.match(err.message, /merge patch must be a JSON object/);
        return true;
      },
    );
  });
}
