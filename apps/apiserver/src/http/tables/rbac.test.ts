import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../storage/store.ts';
import { toTable } from './index.ts';

const now = Date.parse('2024-05-01T12:00:00Z');
const req = { version: 'v1', includeObject: 'None' } as const;
const group = 'rbac.authorization.k8s.io';

test('roles and clusterroles: NAME CREATED AT (RFC 3339, whole seconds)', () => {
  const role: KubeObject = {
    apiVersion: `${group}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'view', creationTimestamp: '2024-04-30T08:09:10.123Z' },
    rules: [],
  };
  for (const resource of ['roles', 'clusterroles']) {
    const t = toTable({ group, resource }, role, req, now);
    assert.deepEqual(
      t.columnDefinitions.map((c) => `${c.name}:${c.type}:${c.priority}`),
      ['Name:string:0', 'Created At:date:0'],
    );
    assert.deepEqual(t.rows[0]!.cells, ['view', '2024-04-30T08:09:10Z']);
  }
});

test('rolebindings and clusterrolebindings: NAME ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS', () => {
  const binding: KubeObject = {
    apiVersion: `${group}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'readers', namespace: 'a', creationTimestamp: '2024-05-01T11:55:00Z' },
    roleRef: { apiGroup: group, kind: 'ClusterRole', name: 'view' },
    subjects: [
      { kind: 'User', name: 'alice' },
      { kind: 'User', name: 'bob' },
      { kind: 'Group', name: 'devs' },
      { kind: 'ServiceAccount', name: 'robot', namespace: 'a' },
      { kind: 'Other', name: 'x' },
    ],
  };
  for (const resource of ['rolebindings', 'clusterrolebindings']) {
    const t = toTable({ group, resource }, binding, req, now);
    assert.deepEqual(
      t.columnDefinitions.map((c) => `${c.name}:${c.priority}`),
      ['Name:0', 'Role:0', 'Age:0', 'Users:1', 'Groups:1', 'ServiceAccounts:1'],
    );
    assert.deepEqual(t.rows[0]!.cells, ['readers', 'ClusterRole/view', '5m', 'alice, bob', 'devs', 'a/robot']);
  }
  const empty = toTable({ group, resource: 'rolebindings' }, { ...binding, subjects: undefined }, req, now);
  assert.deepEqual(empty.rows[0]!.cells.slice(3), ['', '', '']);
});
