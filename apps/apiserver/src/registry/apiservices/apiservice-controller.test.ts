import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServedResources } from '../custom-resources/served-resources.ts';
import { desiredLocalApiServices } from './apiservice-controller.ts';

test('autoregistration: a local APIService per served group/version, upstream priorities, metrics included', () => {
  const want = desiredLocalApiServices({ served: new ServedResources() });
  const byName = new Map(want.map((w) => [w.name, w]));
  assert.deepEqual(byName.get('v1.')?.priority, { groupPriorityMinimum: 18000, versionPriority: 1 });
  assert.deepEqual(byName.get('v1.apps')?.priority, { groupPriorityMinimum: 17800, versionPriority: 15 });
  assert.equal(byName.get('v1beta1.metrics.k8s.io')?.automanaged, 'onstart');
  assert.ok(byName.has('v1.authorization.k8s.io'));
  assert.equal(new Set(want.map((w) => w.name)).size, want.length);
});
