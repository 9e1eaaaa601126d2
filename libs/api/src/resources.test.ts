import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiVersionOf } from './resource-info.ts';
import { findResource, findResourceByKind, findResourceByName, groupVersions, qualifiedResource, resources } from './resources.ts';

test('resources: discovery facts match Kubernetes 1.30', () => {
  const cases: [string, string, string, Partial<(typeof resources)[number]>][] = [
    ['', 'v1', 'pods', { kind: 'Pod', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'] }],
    ['', 'v1', 'namespaces', { kind: 'Namespace', namespaced: false, shortNames: ['ns'], subresources: ['finalize', 'status'] }],
    ['', 'v1', 'nodes', { kind: 'Node', namespaced: false, shortNames: ['no'] }],
    ['', 'v1', 'services', { kind: 'Service', shortNames: ['svc'], categories: ['all'], subresources: ['status'] }],
    ['', 'v1', 'endpoints', { kind: 'Endpoints', singular: 'endpoints', shortNames: ['ep'] }],
    ['', 'v1', 'secrets', { kind: 'Secret', encryptAtRest: true }],
    ['', 'v1', 'bindings', { kind: 'Binding', verbs: ['create'] }],
    ['', 'v1', 'resourcequotas', { kind: 'ResourceQuota', shortNames: ['quota'], subresources: ['status'] }],
    ['', 'v1', 'limitranges', { kind: 'LimitRange', shortNames: ['limits'], subresources: [] }],
    ['', 'v1', 'replicationcontrollers', { shortNames: ['rc'], subresources: ['scale', 'status'] }],
    ['apps', 'v1', 'deployments', { kind: 'Deployment', listKind: 'DeploymentList', shortNames: ['deploy'], subresources: ['scale', 'status'] }],
    ['apps', 'v1', 'replicasets', { shortNames: ['rs'] }],
    ['coordination.k8s.io', 'v1', 'leases', { kind: 'Lease', namespaced: true }],
    ['discovery.k8s.io', 'v1', 'endpointslices', { kind: 'EndpointSlice', singular: 'endpointslice' }],
    ['rbac.authorization.k8s.io', 'v1', 'roles', { kind: 'Role', namespaced: true, shortNames: [] }],
    ['rbac.authorization.k8s.io', 'v1', 'rolebindings', { kind: 'RoleBinding', namespaced: true }],
    ['rbac.authorization.k8s.io', 'v1', 'clusterroles', { kind: 'ClusterRole', namespaced: false, listKind: 'ClusterRoleList' }],
    ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', { kind: 'ClusterRoleBinding', namespaced: false }],
  ];
  for (const [group, version, resource, want] of cases) {
    const res = findResource(group, version, resource);
    assert.ok(res, resource);
    for (const [k, v] of Object.entries(want)) assert.deepEqual((res as any)[k], v, `${resource}.${k}`);
  }
  assert.deepEqual(findResource('', 'v1', 'namespaces')!.verbs, ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
  assert.ok(findResource('', 'v1', 'pods')!.subresources.includes('binding'));
  assert.equal(findResource('apps', 'v1', 'pods'), undefined);
});

test('resources: lookups', () => {
  assert.equal(findResourceByKind('apps/v1', 'Deployment')?.resource, 'deployments');
  assert.equal(findResourceByKind('v1', 'Event')?.group, '');
  assert.equal(findResourceByKind('events.k8s.io/v1', 'Event')?.group, 'events.k8s.io');
  assert.equal(findResourceByKind('v1', 'Deployment'), undefined);
  assert.equal(findResourceByName('deploy')?.kind, 'Deployment');
  for (const [short, kind] of [
    ['sts', 'StatefulSet'],
    ['ds', 'DaemonSet'],
    ['cj', 'CronJob'],
    ['sc', 'StorageClass'],
    ['jobs', 'Job'],
  ]) {
    assert.equal(findResourceByName(short!)?.kind, kind);
  }
  assert.equal(qualifiedResource(findResource('apps', 'v1', 'deployments')!), 'deployments.apps');
  assert.equal(qualifiedResource(findResource('', 'v1', 'pods')!), 'pods');
  assert.deepEqual(groupVersions().map(apiVersionOf), [
    'v1',
    'admissionregistration.k8s.io/v1',
    'apiextensions.k8s.io/v1',
    'apiregistration.k8s.io/v1',
    'apps/v1',
    'autoscaling/v2',
    'autoscaling/v1',
    'batch/v1',
    'certificates.k8s.io/v1',
    'coordination.k8s.io/v1',
    'discovery.k8s.io/v1',
    'networking.k8s.io/v1',
    'policy/v1',
    'rbac.authorization.k8s.io/v1',
    'scheduling.k8s.io/v1',
    'storage.k8s.io/v1',
    'events.k8s.io/v1',
  ]);
  const keys = new Set(resources.map((r) => `${apiVersionOf(r)}/${r.resource}`));
  assert.equal(keys.size, resources.length, 'no duplicate resources');
});
