import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from '../../http/request-info.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { CollectionListener, WatchedCollections } from '../../storage/watched-collection.ts';
import { RbacAuthorizer } from './rbac-authorizer.ts';

/** Collections held in memory; `put`/`remove` notify listeners as a watch would. */
function fakeCollections() {
  const stores = new Map<string, Map<string, KubeObject>>();
  const listeners = new Map<string, Set<CollectionListener>>();
  const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const of = (res: { resource: string }) => {
    if (!stores.has(res.resource)) {
      stores.set(res.resource, new Map());
      listeners.set(res.resource, new Set());
    }
    const objects = stores.get(res.resource)!;
    return {
      synced: Promise.resolve(),
      get: (ns: string | undefined, name: string) => objects.get(`${ns ?? ''}/${name}`),
      *values() {
        yield* objects.values();
      },
      onChange: (l: CollectionListener) => {
        listeners.get(res.resource)!.add(l);
        return () => listeners.get(res.resource)!.delete(l);
      },
    };
  };
  const resourceOf = (obj: KubeObject) =>
    ({ Role: 'roles', ClusterRole: 'clusterroles', RoleBinding: 'rolebindings', ClusterRoleBinding: 'clusterrolebindings' })[obj.kind as string]!;
  return {
    watched: { of } as unknown as WatchedCollections,
    put(obj: KubeObject) {
      const resource = resourceOf(obj);
      of({ resource });
      const previous = stores.get(resource)!.get(key(obj));
      stores.get(resource)!.set(key(obj), obj);
      for (const l of listeners.get(resource)!) l(obj, previous);
    },
    remove(obj: KubeObject) {
      const resource = resourceOf(obj);
      const previous = stores.get(resource)!.get(key(obj));
      stores.get(resource)!.delete(key(obj));
      for (const l of listeners.get(resource)!) l(undefined, previous);
    },
  };
}

const role = (kind: 'Role' | 'ClusterRole', name: string, rules: object[], namespace?: string): KubeObject => ({
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  rules,
});
const binding = (
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  roleRef: { kind: string; name: string },
  subjects: object[],
  namespace?: string,
): KubeObject => ({ kind, metadata: { name, ...(namespace ? { namespace } : {}) }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects });

const reader = { username: 'system:serviceaccount:team:reader', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] };
const carol = { username: 'carol', groups: ['devs', 'system:authenticated'] };
const podReader = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];

async function setup() {
  const fake = fakeCollections();
  const rbac = await RbacAuthorizer.create(fake.watched);
  const allowed = (user: typeof reader, method: string, url: string) => rbac.authorize(user, parseRequestInfo(method, url)).allowed;
  return { ...fake, rbac, allowed };
}

test('a RoleBinding grants its Role in its own namespace only, to the service account it names', async () => {
  const { put, rbac, allowed } = await setup();
  put(role('Role', 'pod-reader', podReader, 'team'));
  put(binding('RoleBinding', 'rb', { kind: 'Role', name: 'pod-reader' }, [{ kind: 'ServiceAccount', name: 'reader' }], 'team'));
  assert.equal(allowed(reader, 'GET', '/api/v1/namespaces/team/pods'), true);
  assert.equal(allowed(reader, 'GET', '/api/v1/namespaces/other/pods'), false);
  assert.equal(allowed(reader, 'GET', '/api/v1/pods'), false);
  assert.equal(allowed(reader, 'GET', '/api/v1/namespaces/team/secrets'), false);
  assert.equal(allowed(carol, 'GET', '/api/v1/namespaces/team/pods'), false);
  assert.deepEqual(rbac.authorize(reader, parseRequestInfo('GET', '/api/v1/namespaces/team/pods')), {
    allowed: true,
    reason: 'RBAC: allowed by RoleBinding "rb/team" of Role "pod-reader" to ServiceAccount "reader/team"',
  });
  assert.deepEqual(rbac.authorize(reader, parseRequestInfo('GET', '/api/v1/namespaces/team/secrets')), { allowed: false, noOpinion: true, reason: '' });
});

test('a RoleBinding to a ClusterRole grants its rules in that namespace; a ClusterRoleBinding everywhere, paths included', async () => {
  const { put, rbac, allowed } = await setup();
  put(role('ClusterRole', 'view', [...podReader, { nonResourceURLs: ['/healthz', '/apis/*'], verbs: ['get'] }]));
  put(binding('RoleBinding', 'carol-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'carol' }], 'team'));
  assert.equal(allowed(carol, 'GET', '/api/v1/namespaces/team/pods'), true);
  assert.equal(allowed(carol, 'GET', '/api/v1/namespaces/other/pods'), false);
  assert.equal(allowed(carol, 'GET', '/healthz'), false);
  put(binding('ClusterRoleBinding', 'devs-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', name: 'devs' }]));
  assert.equal(allowed(carol, 'GET', '/api/v1/namespaces/other/pods'), true);
  assert.equal(allowed(carol, 'GET', '/api/v1/pods'), true);
  assert.equal(allowed(carol, 'GET', '/healthz'), true);
  assert.equal(allowed(carol, 'GET', '/apis/apps'), true);
  assert.equal(allowed(carol, 'GET', '/metrics'), false);
  assert.equal(
    rbac.authorize(carol, parseRequestInfo('GET', '/api/v1/pods')).reason,
    'RBAC: allowed by ClusterRoleBinding "devs-view" of ClusterRole "view" to Group "devs"',
  );
});

test('changes to bindings and roles take effect as the collections report them', async () => {
  const { put, remove, allowed } = await setup();
  const crb = binding('ClusterRoleBinding', 'b', { kind: 'ClusterRole', name: 'r' }, [{ kind: 'User', name: 'carol' }]);
  put(role('ClusterRole', 'r', podReader));
  put(crb);
  assert.equal(allowed(carol, 'GET', '/api/v1/pods'), true);
  put(role('ClusterRole', 'r', [{ apiGroups: [''], resources: ['services'], verbs: ['list'] }]));
  assert.equal(allowed(carol, 'GET', '/api/v1/pods'), false);
  assert.equal(allowed(carol, 'GET', '/api/v1/services'), true);
  // A binding whose subjects change is re-indexed under the new ones.
  put(binding('ClusterRoleBinding', 'b', { kind: 'ClusterRole', name: 'r' }, [{ kind: 'Group', name: 'others' }]));
  assert.equal(allowed(carol, 'GET', '/api/v1/services'), false);
  put(crb);
  remove(crb);
  assert.equal(allowed(carol, 'GET', '/api/v1/services'), false);
});

test('a binding to a missing role grants nothing; a Namespace counts as inside itself', async () => {
  const { put, allowed } = await setup();
  put(binding('ClusterRoleBinding', 'dangling', { kind: 'ClusterRole', name: 'nope' }, [{ kind: 'User', name: 'carol' }]));
  assert.equal(allowed(carol, 'GET', '/api/v1/pods'), false);
  put(role('ClusterRole', 'ns-reader', [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }]));
  put(binding('RoleBinding', 'ns', { kind: 'ClusterRole', name: 'ns-reader' }, [{ kind: 'User', name: 'carol' }], 'team'));
  assert.equal(allowed(carol, 'GET', '/api/v1/namespaces/team'), true);
  assert.equal(allowed(carol, 'GET', '/api/v1/namespaces/other'), false);
});

test("rulesFor lists the cluster-wide and the namespace's grants", async () => {
  const { put, rbac } = await setup();
  put(role('ClusterRole', 'basic', [{ nonResourceURLs: ['/version'], verbs: ['get'] }]));
  put(binding('ClusterRoleBinding', 'basic', { kind: 'ClusterRole', name: 'basic' }, [{ kind: 'Group', name: 'system:authenticated' }]));
  put(role('Role', 'pod-reader', podReader, 'team'));
  put(binding('RoleBinding', 'rb', { kind: 'Role', name: 'pod-reader' }, [{ kind: 'User', name: reader.username }], 'team'));
  assert.deepEqual(rbac.rulesFor(reader, 'team'), [{ nonResourceURLs: ['/version'], verbs: ['get'] }, ...podReader]);
  assert.deepEqual(rbac.rulesFor(reader, 'other'), [{ nonResourceURLs: ['/version'], verbs: ['get'] }]);
  assert.deepEqual(rbac.rulesFor(reader, undefined), [{ nonResourceURLs: ['/version'], verbs: ['get'] }]);
});
