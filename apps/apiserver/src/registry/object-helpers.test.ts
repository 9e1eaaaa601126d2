import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepEqual, deleteFieldPath, formatLabelSelector, formatTimestamp, randomNameSuffix } from './object-helpers.ts';

test('deepEqual ignores key order and undefined members, not array order', () => {
  assert.ok(deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }));
  assert.ok(deepEqual({ a: 1, b: undefined }, { a: 1 }));
  assert.ok(!deepEqual({ c: [1, 2] }, { c: [2, 1] }));
  assert.ok(!deepEqual({ a: 1 }, { a: '1' }));
  assert.ok(!deepEqual([], {}));
  assert.ok(!deepEqual({ a: null }, { a: {} }));
});

test('deleteFieldPath follows dots and indexes', () => {
  const obj = { spec: { foo: 1, containers: [{ name: 'a', bar: 2 }, { name: 'b' }] } };
  deleteFieldPath(obj, 'spec.foo');
  deleteFieldPath(obj, 'spec.containers[0].bar');
  deleteFieldPath(obj, 'spec.missing.deeper');
  assert.deepEqual(obj, { spec: { containers: [{ name: 'a' }, { name: 'b' }] } });
});

test('label selectors print in kube string form', () => {
  assert.equal(formatLabelSelector({ matchLabels: { app: 'web', tier: 'fe' } }), 'app=web,tier=fe');
  assert.equal(
    formatLabelSelector({
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'x', operator: 'Exists' },
      ],
    }),
    'env in (dev,prod),x',
  );
  assert.equal(formatLabelSelector({ app: 'rc' }), 'app=rc');
  assert.equal(formatLabelSelector(undefined), '');
});

test('timestamps are RFC 3339 seconds in UTC, suffixes use the safe alphabet', () => {
  assert.equal(formatTimestamp(new Date('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05Z');
  assert.match(randomNameSuffix(), /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});
