import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource, rulesAllow, type PolicyRule } from '@skiff/api';
import { ApiError } from '../../errors.ts';
import type { RequestInfo } from '../../http/request-info.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { CollectionListener } from '../../storage/watched-collection.ts';
import type { RegistryContext } from '../context.ts';
import type { UserInfo } from '../handlers.ts';
import type { AdmissionAttributes } from './admission.ts';
import { compactRules, rbacEscalationAdmission } from './rbac-escalation.ts';

const GROUP = 'rbac.authorization.k8s.io';
const res = (resource: string) => findResource(GROUP, 'v1', resource)!;
const alice: UserInfo = { username: 'alice', groups: ['devs', 'system:authenticated'] };
const podReader: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };

/** A fake registry context: `held` are alice's rules per namespace ('' cluster-wide), `extra` what the authorizer allows beyond them. */
function fakeContext(held: Record<string, PolicyRule[]>, extra: PolicyRule[] = [], stored: KubeObject[] = []) {
  const asked: RequestInfo[] = [];
  const listeners = new Set<CollectionListener>();
  const objects = new Map(stored.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
  const rulesFor = (_user: UserInfo, ns: string | undefined) => [...(held[''] ?? []), ...(ns ? (held[ns] ?? []) : [])];
  const ctx = {
    authorization: {
      rulesFor,
      async authorize(user: UserInfo, info: RequestInfo) {
        asked.push(info);
        const attrs = { ...info, path: info.path };
        return { allowed: rulesAllow([...rulesFor(user, info.namespace), ...extra], attrs), reason: '' };
      },
    },
    watched: {
      of: (info: { kind: string }) => ({
        synced: Promise.resolve(),
        get: (ns: string | undefined, name: string) => objects.get(`${info.kind}/${ns ?? ''}/${name}`),
        onChange(listener: CollectionListener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      }),
    },
  } as unknown as RegistryContext;
  const add = (obj: KubeObject) => {
    objects.set(`${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`, obj);
    for (const l of listeners) l(obj, undefined);
  };
  return { ctx, asked, add };
}

function attrs(resource: string, object: KubeObject, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    res: res(resource),
    subresource: '',
    operation: 'CREATE',
    namespace: object.metadata.namespace,
    name: object.metadata.name!,
    object,
    user: alice,
    dryRun: false,
    ...extra,
  };
}
const role = (name: string, rules: PolicyRule[], ns = 'a'): KubeObject => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'Role',
  metadata: { name, namespace: ns },
  rules,
});
const clusterRole = (name: string, rules: PolicyRule[], more: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'ClusterRole',
  metadata: { name },
  rules,
  ...more,
});
const binding = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, roleKind: string, roleName: string): KubeObject => ({
  apiVersion: `${GROUP}/v1`,
  kind,
  metadata: kind === 'RoleBinding' ? { name, namespace: 'a' } : { name },
  roleRef: { apiGroup: GROUP, kind: roleKind, name: roleName },
  subjects: [{ kind: 'User', apiGroup: GROUP, name: 'bob' }],
});

async function refusal(ctx: RegistryContext, a: AdmissionAttributes): Promise<ApiError> {
  try {
    await rbacEscalationAdmission.validate!(ctx, a);
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

test('a role may grant only what its author holds, in that namespace', async () => {
  const { ctx } = fakeContext({ a: [podReader] });
  await rbacEscalationAdmission.validate!(ctx, attrs('roles', role('r', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])));
  const err = await refusal(ctx, attrs('roles', role('r', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }])));
  assert.equal(err.code, 403);
  assert.equal(err.reason, 'Forbidden');
  assert.equal(
    err.message,
    'roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["devs" "system:authenticated"]) ' +
      'is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
  );
  // What alice holds in `a` is nothing in `b`.
  await refusal(ctx, attrs('roles', role('r', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], 'b')));
});

test('the missing rules are compacted by verb and listed sorted, one per line', async () => {
  const { ctx } = fakeContext({ a: [podReader] });
  const err = await refusal(
    ctx,
    attrs(
      'roles',
      role('r', [
        { verbs: ['get', 'list', 'delete'], apiGroups: ['', 'apps'], resources: ['secrets', 'pods'] },
        { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['cfg'] },
      ]),
    ),
  );
  assert.match(err.message, /not currently held:\n/);
  assert.deepEqual(err.message.split('\n').slice(1), [
    '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["cfg"], Verbs:["get"]}',
    '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "delete"]}',
    '{APIGroups:["apps"], Resources:["pods"], Verbs:["get" "list" "delete"]}',
    '{APIGroups:["apps"], Resources:["secrets"], Verbs:["get" "list" "delete"]}',
  ]);
  assert.deepEqual(
    compactRules([
      { verbs: ['get'], nonResourceURLs: ['/a'] },
      { verbs: ['put'], nonResourceURLs: ['/a'] },
    ]).length,
    2,
    'URLs stay apart',
  );
});

test('escalate on the resource, or system:masters, lifts the check; escalate is asked as upstream asks it', async () => {
  const { ctx, asked } = fakeContext({}, [{ verbs: ['escalate'], apiGroups: [GROUP], resources: ['clusterroles'] }]);
  await rbacEscalationAdmission.validate!(ctx, attrs('clusterroles', clusterRole('big', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }])));
  assert.deepEqual(
    asked.map((i) => [i.verb, i.group, i.resource, i.name, i.namespace]),
    [['escalate', GROUP, 'clusterroles', '', undefined]],
  );
  const updated = clusterRole('big', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
  await rbacEscalationAdmission.validate!(ctx, attrs('clusterroles', updated, { operation: 'UPDATE', oldObject: clusterRole('big', []) }));
  assert.equal(asked[1]!.name, 'big', 'an update names the object');
  await refusal(ctx, attrs('roles', role('r', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }])));

  const masters = fakeContext({});
  const admin = { username: 'system:apiserver', groups: ['system:masters'] };
  await rbacEscalationAdmission.validate!(masters.ctx, attrs('roles', role('r', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]), { user: admin }));
  assert.equal(masters.asked.length, 0);
});

test('an aggregationRule needs cluster-admin, even with the rules themselves held', async () => {
  const aggregated = clusterRole('monitoring', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } });
  const { ctx } = fakeContext({ '': [{ verbs: ['create'], apiGroups: [GROUP], resources: ['clusterroles'] }] });
  const err = await refusal(ctx, attrs('clusterroles', aggregated));
  assert.equal(err.message, 'clusterroles.rbac.authorization.k8s.io "monitoring" is forbidden: must have cluster-admin privileges to use the aggregationRule');
  // Dropping the rule from an aggregated role is an aggregation change too.
  await refusal(ctx, attrs('clusterroles', clusterRole('monitoring', []), { operation: 'UPDATE', oldObject: aggregated }));
  const admin = fakeContext({
    '': [
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { verbs: ['*'], nonResourceURLs: ['*'] },
    ],
  });
  await rbacEscalationAdmission.validate!(admin.ctx, attrs('clusterroles', aggregated));
});

test('a binding needs bind on the role, or every rule of the role it names', async () => {
  const secretsReader = role('secrets', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]);
  const view = clusterRole('pods', [podReader]);
  const { ctx, asked } = fakeContext({ a: [podReader] }, [], [secretsReader, view]);
  await rbacEscalationAdmission.validate!(ctx, attrs('rolebindings', binding('RoleBinding', 'b', 'ClusterRole', 'pods')));
  assert.deepEqual(
    asked.map((i) => [i.verb, i.resource, i.name, i.namespace]),
    [['bind', 'clusterroles', 'pods', 'a']],
  );
  const err = await refusal(ctx, attrs('rolebindings', binding('RoleBinding', 'b', 'Role', 'secrets')));
  assert.equal(
    err.message,
    'rolebindings.rbac.authorization.k8s.io "b" is forbidden: user "alice" (groups=["devs" "system:authenticated"]) ' +
      'is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
  );
  // Pods in `a` are not pods everywhere: a ClusterRoleBinding asks for them cluster-wide.
  await refusal(ctx, attrs('clusterrolebindings', binding('ClusterRoleBinding', 'b', 'ClusterRole', 'pods')));

  const binder = fakeContext({}, [{ verbs: ['bind'], apiGroups: [GROUP], resources: ['roles'], resourceNames: ['secrets'] }], [secretsReader]);
  await rbacEscalationAdmission.validate!(binder.ctx, attrs('rolebindings', binding('RoleBinding', 'b', 'Role', 'secrets')));
});

test('a binding to a role not there yet waits for the watch, then answers 404', async () => {
  const { ctx, add } = fakeContext({ a: [podReader] });
  const pending = rbacEscalationAdmission.validate!(ctx, attrs('rolebindings', binding('RoleBinding', 'b', 'Role', 'late')));
  setTimeout(() => add(role('late', [podReader])), 50);
  await pending;
  const err = await refusal(ctx, attrs('rolebindings', binding('RoleBinding', 'b', 'Role', 'missing')));
  assert.equal(err.code, 404);
  assert.equal(err.message, 'roles.rbac.authorization.k8s.io "missing" not found');
});

test('updates that only touch owner references or finalizers, deletes, and other kinds are not checked', async () => {
  const { ctx, asked } = fakeContext({});
  const before = role('r', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
  const after = structuredClone(before);
  after.metadata.finalizers = ['example.com/keep'];
  after.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u1' }];
  await rbacEscalationAdmission.validate!(ctx, attrs('roles', after, { operation: 'UPDATE', oldObject: before }));
  await rbacEscalationAdmission.validate!(ctx, attrs('roles', before, { operation: 'DELETE', oldObject: before }));
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' } };
  await rbacEscalationAdmission.validate!(ctx, { ...attrs('roles', pod), res: findResource('', 'v1', 'pods')! });
  assert.equal(asked.length, 0);
  const relabelled = structuredClone(before);
  relabelled.metadata.labels = { a: 'b' };
  await refusal(ctx, attrs('roles', relabelled, { operation: 'UPDATE', oldObject: before }));
});
