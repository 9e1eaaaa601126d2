import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import { aggregatedRules, aggregationEvents, syncClusterRole, type AggregationDeps, type ClusterRole } from './clusterrole-aggregation-controller.ts';

const rule = (verb: string, resource: string): PolicyRule => ({ verbs: [verb], apiGroups: [''], resources: [resource] });
const role = (name: string, rules: PolicyRule[], labels: Record<string, string> = {}, selectors?: Record<string, string>[]): ClusterRole => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels, resourceVersion: '1' },
  rules,
  ...(selectors ? { aggregationRule: { clusterRoleSelectors: selectors.map((matchLabels) => ({ matchLabels })) } } : {}),
});

function fixture(roles: ClusterRole[], fail?: ApiStatusError) {
  const updates: ClusterRole[] = [];
  const deps: AggregationDeps = {
    clusterRoles: { get: (_ns, name) => roles.find((r) => r.metadata?.name === name), list: () => roles },
    client: {
      update: async <T>(_res: unknown, obj: T) => {
        if (fail) throw fail;
        updates.push(obj as ClusterRole);
        return obj;
      },
    } as AggregationDeps['client'],
  };
  return { deps, updates };
}

const view = (rules: PolicyRule[] = []) => role('view', rules, {}, [{ 'aggregate-to-view': 'true' }, { 'aggregate-to-edit': 'true' }]);

test('an aggregated role gets the rules of every role its selectors match, once each, selector then name order', () => {
  const roles = [
    role('zeta', [rule('get', 'pods'), rule('list', 'pods')], { 'aggregate-to-view': 'true' }),
    role('alpha', [rule('get', 'services'), rule('get', 'pods')], { 'aggregate-to-view': 'true' }),
    role('editor', [rule('update', 'pods'), rule('get', 'pods')], { 'aggregate-to-edit': 'true' }),
    role('other', [rule('delete', 'nodes')], { unrelated: 'true' }),
    view([rule('stale', 'x')]),
  ];
  assert.deepEqual(aggregatedRules(view(), roles), [rule('get', 'services'), rule('get', 'pods'), rule('list', 'pods'), rule('update', 'pods')]);
  // A role that matches its own selector does not feed on itself.
  const selfish = role('self', [rule('get', 'x')], { 'aggregate-to-view': 'true' }, [{ 'aggregate-to-view': 'true' }]);
  assert.deepEqual(aggregatedRules(selfish, [selfish]), []);
});

test('sync writes the aggregated rules only when they changed', async () => {
  const member = role('pods-reader', [rule('get', 'pods')], { 'aggregate-to-view': 'true' });
  const changed = fixture([member, view([rule('stale', 'x')])]);
  await syncClusterRole(changed.deps, 'view');
  assert.equal(changed.updates.length, 1);
  assert.deepEqual(changed.updates[0]!.rules, [rule('get', 'pods')]);
  assert.equal(changed.updates[0]!.metadata?.resourceVersion, '1', 'the write is conditional on what the cache saw');

  const same = fixture([member, view([rule('get', 'pods')])]);
  await syncClusterRole(same.deps, 'view');
  assert.deepEqual(same.updates, []);
  const emptied = fixture([role('v', [], {}, [{ none: 'x' }])]);
  (emptied.deps.clusterRoles.get(undefined, 'v') as ClusterRole).rules = null;
  await syncClusterRole(emptied.deps, 'v');
  assert.deepEqual(emptied.updates, [], 'no rules and nothing matched: nothing to write');
});

test('roles without an aggregation rule, and deleted roles, are left alone; a failed write is retried by throwing', async () => {
  const plain = fixture([role('plain', [rule('get', 'pods')], { 'aggregate-to-view': 'true' })]);
  await syncClusterRole(plain.deps, 'plain');
  await syncClusterRole(plain.deps, 'gone');
  assert.deepEqual(plain.updates, []);
  const conflict = new ApiStatusError({ code: 409, reason: 'Conflict', message: 'the object has been modified' });
  const failing = fixture([role('a', [rule('get', 'pods')], { 'aggregate-to-view': 'true' }), view()], conflict);
  await assert.rejects(syncClusterRole(failing.deps, 'view'), ApiStatusError);
});

test('any ClusterRole change queues every aggregated role', () => {
  const roles = [view(), role('admin', [], {}, [{ 'aggregate-to-admin': 'true' }]), role('plain', [])];
  const events = aggregationEvents({ list: () => roles });
  assert.deepEqual(events.add!(role('new', [])), ['view', 'admin']);
  assert.deepEqual(events.delete!(role('plain', [])), ['view', 'admin']);
  const before = role('plain', []);
  assert.equal(events.update!(before, before), undefined, 'a resync changes nothing');
  assert.deepEqual(events.update!(before, { ...before, metadata: { ...before.metadata, resourceVersion: '2' } }), ['view', 'admin']);
});
