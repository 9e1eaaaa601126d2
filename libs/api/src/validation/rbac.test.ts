import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultObject } from '../defaults/index.ts';
import { findResourceByKind } from '../resources.ts';
import { causes, withPatch } from './testing.ts';

const API = 'rbac.authorization.k8s.io/v1';
const role = { apiVersion: API, kind: 'Role', metadata: { name: 'reader', namespace: 'a' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] };
const clusterRole = { ...role, kind: 'ClusterRole', metadata: { name: 'system:reader' } };
const binding = {
  apiVersion: API,
  kind: 'RoleBinding',
  metadata: { name: 'read', namespace: 'a' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
  subjects: [
    { kind: 'User', name: 'alice' },
    { kind: 'Group', name: 'devs' },
    { kind: 'ServiceAccount', name: 'robot', namespace: 'a' },
  ],
};
const clusterBinding = { ...binding, kind: 'ClusterRoleBinding', metadata: { name: 'read' }, roleRef: { ...binding.roleRef, kind: 'ClusterRole' } };

test('rbac: valid objects, names only need to be path segments', () => {
  for (const obj of [role, clusterRole, binding, clusterBinding]) assert.deepEqual(causes(obj), [], obj.kind);
  assert.deepEqual(
    causes(
      withPatch(clusterRole, (r) => {
        r.metadata.name = 'system:controller:job';
        r.rules = undefined;
      }),
    ),
    [],
  );
  assert.deepEqual(
    causes(
      withPatch(role, (r) => {
        r.metadata.name = 'a/b%c';
      }),
    ),
    [`metadata.name: Invalid value: "a/b%c": may not contain '/'`, `metadata.name: Invalid value: "a/b%c": may not contain '%'`],
  );
  assert.deepEqual(
    causes(
      withPatch(role, (r) => {
        r.metadata.name = '..';
      }),
    ),
    [`metadata.name: Invalid value: "..": may not be '..'`],
  );
});

test('rbac: policy rules need verbs, and resources with groups or non-resource URLs (ClusterRoles only)', () => {
  assert.deepEqual(
    causes(
      withPatch(role, (r) => {
        r.rules = [{ verbs: [], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'] }];
      }),
    ),
    [
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[1].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[1].resources: Required value: resource rules must supply at least one resource',
    ],
  );
  assert.deepEqual(
    causes(
      withPatch(role, (r) => {
        r.rules = [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }];
      }),
    ),
    ['rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs'],
  );
  assert.deepEqual(
    causes(
      withPatch(clusterRole, (r) => {
        r.rules = [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/api/*'] }];
      }),
    ),
    [],
  );
  assert.deepEqual(
    causes(
      withPatch(clusterRole, (r) => {
        r.rules = [{ verbs: ['get'], nonResourceURLs: ['/healthz'], resources: ['pods'] }];
      }),
    ),
    ['rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs'],
  );
});

test('rbac: aggregation rules need valid selectors', () => {
  const aggregated = withPatch(clusterRole, (r) => {
    r.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate-to-view': 'true' } }] };
  });
  assert.deepEqual(causes(aggregated), []);
  assert.deepEqual(
    causes(
      withPatch(clusterRole, (r) => {
        r.aggregationRule = {};
      }),
    ),
    ['aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil'],
  );
  assert.deepEqual(
    causes(
      withPatch(clusterRole, (r) => {
        r.aggregationRule = { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Near' }] }] };
      }),
    ),
    [
      'aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator: Unsupported value: "Near": supported values: "DoesNotExist", "Exists", "In", "NotIn"',
      'aggregationRule.clusterRoleSelectors[0]: Invalid value: "null": invalid label selector.',
    ],
  );
  assert.deepEqual(
    causes(
      withPatch(clusterRole, (r) => {
        r.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { 'bad key!': 'x' } }] };
      }),
    ).length,
    2,
  );
});

test('rbac: roleRef of this API group, Role or ClusterRole (ClusterRoleBindings: ClusterRole only), named', () => {
  assert.deepEqual(
    causes(
      withPatch(binding, (b) => {
        b.roleRef = { apiGroup: 'example.com', kind: 'Policy', name: '' };
      }),
    ),
    [
      'roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
      'roleRef.kind: Unsupported value: "Policy": supported values: "Role", "ClusterRole"',
      'roleRef.name: Required value',
    ],
  );
  assert.deepEqual(
    causes(
      withPatch(clusterBinding, (b) => {
        b.roleRef.kind = 'Role';
      }),
    ),
    ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"'],
  );
  assert.deepEqual(
    causes(
      withPatch(binding, (b) => {
        delete b.roleRef;
      }),
    ),
    ['roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"', 'roleRef.name: Required value'],
    'a missing roleRef is an empty one, defaulted to the RBAC group',
  );
});

test('rbac: subjects', () => {
  assert.deepEqual(
    causes(
      withPatch(binding, (b) => {
        b.subjects = [
          { kind: 'Robot', name: 'r2' },
          { kind: 'User', name: '' },
          { kind: 'User', name: 'bob', apiGroup: 'v1' },
          { kind: 'ServiceAccount', name: 'Bad_Name', apiGroup: 'rbac.authorization.k8s.io' },
        ];
      }),
    ),
    [
      'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      'subjects[1].name: Required value',
      'subjects[2].apiGroup: Unsupported value: "v1": supported values: "rbac.authorization.k8s.io"',
      "subjects[3].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      'subjects[3].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
    ],
  );
  // A RoleBinding's service account defaults to the binding's namespace when it is used; a ClusterRoleBinding's must say it.
  assert.deepEqual(
    causes(
      withPatch(binding, (b) => {
        b.subjects = [{ kind: 'ServiceAccount', name: 'robot' }];
      }),
    ),
    [],
  );
  assert.deepEqual(
    causes(
      withPatch(clusterBinding, (b) => {
        b.subjects = [{ kind: 'ServiceAccount', name: 'robot' }];
      }),
    ),
    ['subjects[0].namespace: Required value'],
  );
});

test('rbac: roleRef cannot change, subjects can', () => {
  const changed = withPatch(binding, (b) => {
    b.roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' };
  });
  assert.deepEqual(causes(changed, binding), [
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef',
  ]);
  assert.deepEqual(
    causes(
      withPatch(binding, (b) => {
        b.subjects = [];
        delete b.roleRef.apiGroup;
      }),
      binding,
    ),
    [],
    'the defaulted group is no change',
  );
  assert.equal(
    causes(
      withPatch(clusterBinding, (b) => {
        b.roleRef.name = 'admin';
      }),
      clusterBinding,
    ).length,
    1,
  );
});

test('rbac defaults: roleRef and User/Group subjects get the RBAC group; ServiceAccount subjects none', () => {
  const res = findResourceByKind(API, 'RoleBinding')!;
  const b: any = {
    roleRef: { kind: 'Role', name: 'x' },
    subjects: [
      { kind: 'User', name: 'u' },
      { kind: 'Group', name: 'g' },
      { kind: 'ServiceAccount', name: 's', apiGroup: '' },
      { kind: 'Other', name: 'o' },
    ],
  };
  defaultObject(res, b);
  assert.deepEqual(b, {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' },
    subjects: [
      { kind: 'User', name: 'u', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'Group', name: 'g', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 's' },
      { kind: 'Other', name: 'o' },
    ],
  });
  const explicit: any = { roleRef: { apiGroup: 'example.com', kind: 'Role', name: 'x' }, subjects: [{ kind: 'User', name: 'u', apiGroup: 'example.com' }] };
  defaultObject(findResourceByKind(API, 'ClusterRoleBinding')!, explicit);
  assert.equal(explicit.roleRef.apiGroup, 'example.com');
  assert.equal(explicit.subjects[0].apiGroup, 'example.com');
});
