import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rulesAllow, type PolicyRule } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import { AUTOUPDATE_ANNOTATION, BOOTSTRAPPING_LABEL, bootstrapPolicy } from './bootstrap-policy.ts';
import { reconcileBinding, reconcileRole, withAggregatedRules } from './reconcile.ts';

const rule = (verbs: string[], resources: string[], apiGroups = ['']): PolicyRule => ({ verbs, apiGroups, resources });
const meta = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}) => ({ name: 'r', labels, annotations });

test('reconcileRole adds missing rules, labels and annotations, and keeps what the object has', () => {
  const existing: KubeObject = {
    kind: 'ClusterRole',
    metadata: meta({ mine: 'x' }, { note: 'kept' }),
    rules: [rule(['get', 'list'], ['pods']), rule(['*'], ['widgets'], ['example.com'])],
  };
  const expected: KubeObject = {
    kind: 'ClusterRole',
    metadata: meta({ [BOOTSTRAPPING_LABEL]: 'rbac-defaults' }, { [AUTOUPDATE_ANNOTATION]: 'true' }),
    rules: [rule(['get'], ['pods']), rule(['list'], ['services'])],
  };
  const result = reconcileRole(existing, expected);
  assert.deepEqual(result.rules, [rule(['get', 'list'], ['pods']), rule(['*'], ['widgets'], ['example.com']), rule(['list'], ['services'])]);
  assert.deepEqual(result.metadata.labels, { [BOOTSTRAPPING_LABEL]: 'rbac-defaults', mine: 'x' });
  assert.deepEqual(result.metadata.annotations, { [AUTOUPDATE_ANNOTATION]: 'true', note: 'kept' });
  // Nothing missing: the same rules come back.
  assert.deepEqual(reconcileRole(result, expected).rules, result.rules);
});

test('reconcileRole adds the aggregation selectors a role lacks', () => {
  const selector = (role: string) => ({ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${role}`]: 'true' } });
  const existing: KubeObject = { kind: 'ClusterRole', metadata: meta(), rules: [], aggregationRule: { clusterRoleSelectors: [selector('mine')] } };
  const expected: KubeObject = { kind: 'ClusterRole', metadata: meta(), rules: [], aggregationRule: { clusterRoleSelectors: [selector('view')] } };
  assert.deepEqual(reconcileRole(existing, expected).aggregationRule, { clusterRoleSelectors: [selector('mine'), selector('view')] });
});

test('reconcileBinding adds missing subjects and keeps added ones', () => {
  const existing: KubeObject = {
    kind: 'ClusterRoleBinding',
    metadata: meta(),
    subjects: [
      { kind: 'User', name: 'extra' },
      { kind: 'Group', name: 'a' },
    ],
  };
  const expected: KubeObject = {
    kind: 'ClusterRoleBinding',
    metadata: meta(),
    subjects: [
      { kind: 'Group', name: 'a' },
      { kind: 'Group', name: 'b' },
    ],
  };
  assert.deepEqual(reconcileBinding(existing, expected).subjects, [
    { kind: 'User', name: 'extra' },
    { kind: 'Group', name: 'a' },
    { kind: 'Group', name: 'b' },
  ]);
});

test('the policy: admin ⊇ edit ⊇ view once aggregated, every object labelled and annotated, every binding to a role it defines', () => {
  const policy = bootstrapPolicy();
  const roles = new Map(withAggregatedRules(policy.clusterRoles).map((r) => [r.metadata.name!, r]));
  const may = (role: string, verb: string, group: string, resource: string) =>
    rulesAllow(roles.get(role)!.rules as PolicyRule[], {
      isResourceRequest: true,
      verb,
      group,
      resource,
      subresource: '',
      name: '',
      path: '',
    });
  assert.ok(may('view', 'list', '', 'pods') && !may('view', 'get', '', 'secrets') && !may('view', 'create', '', 'pods'));
  assert.ok(
    may('edit', 'list', '', 'pods') &&
      may('edit', 'get', '', 'secrets') &&
      may('edit', 'create', 'apps', 'deployments') &&
      !may('edit', 'create', 'rbac.authorization.k8s.io', 'roles'),
  );
  assert.ok(
    may('admin', 'list', '', 'pods') && may('admin', 'create', 'apps', 'deployments') && may('admin', 'create', 'rbac.authorization.k8s.io', 'rolebindings'),
  );
  assert.ok(!may('admin', 'list', '', 'nodes'));
  const all = [...policy.clusterRoles, ...policy.clusterRoleBindings, ...policy.roles, ...policy.roleBindings];
  for (const obj of all) {
    assert.equal(obj.metadata.labels?.[BOOTSTRAPPING_LABEL], 'rbac-defaults', obj.metadata.name);
    assert.equal(obj.metadata.annotations?.[AUTOUPDATE_ANNOTATION], 'true', obj.metadata.name);
  }
  for (const b of policy.clusterRoleBindings) {
    assert.ok(roles.has((b.roleRef as { name: string }).name), `${b.metadata.name} binds a ClusterRole the policy does not define`);
  }
  const names = all.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  assert.equal(new Set(names).size, names.length, 'duplicate default objects');
  // The controller manager holds every controller role; kube-proxy only what it reads.
  const managerRoles = policy.clusterRoleBindings.filter((b) => (b.subjects as { name: string }[]).some((s) => s.name === 'system:kube-controller-manager'));
  assert.ok(managerRoles.length >= 20);
  assert.ok(
    policy.clusterRoles
      .filter((r) => r.metadata.name!.startsWith('system:controller:'))
      .every((r) => managerRoles.some((b) => (b.roleRef as { name: string }).name === r.metadata.name)),
  );
});
