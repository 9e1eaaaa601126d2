import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPodFromTemplate } from './pod-control.ts';

test('buildPodFromTemplate: labels, annotations, generateName and controller ref', () => {
  const template = Object.freeze({
    metadata: { labels: { app: 'web' }, annotations: { a: 'b' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
  const pod = buildPodFromTemplate('ns', template, { metadata: { name: 'web-5d8', uid: 'u1' } }, { apiVersion: 'apps/v1', kind: 'ReplicaSet' });
  assert.equal(pod.metadata?.generateName, 'web-5d8-');
  assert.equal(pod.metadata?.namespace, 'ns');
  assert.deepEqual(pod.metadata?.labels, { app: 'web' });
  assert.deepEqual(pod.metadata?.annotations, { a: 'b' });
  assert.deepEqual(pod.metadata?.ownerReferences, [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8', uid: 'u1', controller: true, blockOwnerDeletion: true },
  ]);
  assert.notEqual(pod.spec, template.spec);
  assert.deepEqual(pod.spec, template.spec);
});
