import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ResourceQuota } from '../types.ts';
import { kindOfQuotaResource, quotaResourceMatches, usageOf } from './evaluators.ts';
import { addLists, subtractLists } from './resources.ts';
import { quotaScopesMatch } from './scopes.ts';

const pod = (spec: Partial<NonNullable<Pod['spec']>>, phase?: string): Pod => ({
  metadata: { name: 'p' },
  spec: { containers: [], ...spec },
  ...(phase ? { status: { phase } } : {}),
});

test('a pod charges its containers summed, at least its largest init container, and nothing once finished', () => {
  const p = pod({
    containers: [
      { name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m' } } },
      { name: 'b', resources: { requests: { cpu: '250m', memory: '64Mi' } } },
    ],
    initContainers: [{ name: 'init', resources: { requests: { cpu: '1' } } }],
  });
  assert.deepEqual(usageOf('', 'pods', p), {
    pods: '1',
    'count/pods': '1',
    'requests.cpu': '1',
    cpu: '1',
    'requests.memory': '128Mi',
    memory: '128Mi',
    'limits.cpu': '500m',
  });
  assert.deepEqual(usageOf('', 'pods', { ...p, status: { phase: 'Succeeded' } }), {});
});

test('services, claims and other kinds', () => {
  assert.deepEqual(usageOf('', 'services', { spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } }), {
    services: '1',
    'count/services': '1',
    'services.nodeports': '2',
  });
  assert.deepEqual(usageOf('', 'persistentvolumeclaims', { spec: { storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } } }), {
    persistentvolumeclaims: '1',
    'count/persistentvolumeclaims': '1',
    'fast.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
    'requests.storage': '2Gi',
    'fast.storageclass.storage.k8s.io/requests.storage': '2Gi',
  });
  assert.deepEqual(usageOf('apps', 'deployments', {}), { 'count/deployments.apps': '1' });
  assert.deepEqual(usageOf('', 'secrets', {}), { 'count/secrets': '1', secrets: '1' });
  assert.ok(quotaResourceMatches('apps', 'deployments', 'count/deployments.apps'));
  assert.ok(!quotaResourceMatches('', 'configmaps', 'pods'));
  assert.deepEqual(kindOfQuotaResource('limits.memory'), { group: '', resource: 'pods' });
  assert.deepEqual(kindOfQuotaResource('count/jobs.batch'), { group: 'batch', resource: 'jobs' });
});

test('resource lists add and subtract as quantities', () => {
  assert.deepEqual(addLists({ cpu: '500m', pods: '1' }, { cpu: '1500m', memory: '1Gi' }), { cpu: '2', pods: '1', memory: '1Gi' });
  assert.deepEqual(subtractLists({ cpu: '1', pods: '1' }, { cpu: '250m', pods: '2' }), { cpu: '750m', pods: '0' });
});

test('scopes select pods only', () => {
  const quota = (spec: ResourceQuota['spec']): ResourceQuota => ({ metadata: { name: 'q' }, spec });
  const bestEffort = pod({ containers: [{ name: 'a' }] });
  const burstable = pod({ containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }], activeDeadlineSeconds: 30, priorityClassName: 'high' });
  assert.ok(quotaScopesMatch(quota({ scopes: ['BestEffort'] }), '', 'pods', bestEffort));
  assert.ok(!quotaScopesMatch(quota({ scopes: ['BestEffort'] }), '', 'pods', burstable));
  assert.ok(quotaScopesMatch(quota({ scopes: ['Terminating', 'NotBestEffort'] }), '', 'pods', burstable));
  const byClass = quota({ scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } });
  assert.ok(quotaScopesMatch(byClass, '', 'pods', burstable));
  assert.ok(!quotaScopesMatch(byClass, '', 'pods', bestEffort));
  assert.ok(!quotaScopesMatch(quota({ scopes: ['NotTerminating'] }), '', 'services', {}));
  assert.ok(quotaScopesMatch(quota({ hard: { services: '1' } }), '', 'services', {}));
});
