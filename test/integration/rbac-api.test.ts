/**
 * The RBAC kinds as API objects, driven by the kubectls users have (Debian's 1.20 and the newest
 * on PATH, which sends protobuf) against a real etcd, apiserver and controller-manager:
 * `kubectl create role|clusterrole|rolebinding|clusterrolebinding` with their flags, what
 * `kubectl get` prints, Kubernetes' field causes for bad objects and for a changed roleRef, an
 * aggregated ClusterRole following its labelled members, and escalation prevention for a user
 * who may only create roles and bindings in one namespace.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiRequest,
  eventually,
  identityFor,
  kubectl,
  kubectlBinaries,
  tableHeader,
  useApiControlPlane,
  type Identity,
  type KubectlResult,
} from '../harness/index.ts';

// Ports 28000-28001 (etcd) and 28050 (apiserver) belong to this file (range 28000-28099).
const BASE_PORT = 28000;
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const binaries = await kubectlBinaries();

describe('RBAC API with real kubectl', { timeout: 600_000 }, () => {
  const api = useApiControlPlane(BASE_PORT);

  const getJson = async (path: string): Promise<{ status: number; json: any }> => {
    const res = await apiRequest(api.cluster.admin, 'GET', path);
    return { status: res.status, json: res.json };
  };

  binaries.forEach((bin, index) => {
    describe(bin.name, () => {
      const ns = `rbac-${index}`;
      const run = (args: string[], stdin?: string, kubeconfig = api.cluster.kubeconfigPath) => kubectl(bin, args, { kubeconfig, stdin });
      const ok = async (args: string[], stdin?: string): Promise<KubectlResult> => {
        const res = await run(args, stdin);
        assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
        return res;
      };
      /** kubectl fails with the 422 and every cause; nothing is stored. */
      const refused = async (args: string[], stdin: string | undefined, causes: string[]): Promise<string> => {
        const res = await run(args, stdin);
        assert.notEqual(res.code, 0, `${args.join(' ')} should fail: ${res.stdout}`);
        assert.match(res.stderr, / is invalid: /, res.stderr);
        for (const cause of causes) assert.ok(res.stderr.includes(cause), `${cause}\nin ${res.stderr}`);
        return res.stderr;
      };

      before(() => ok(['create', 'namespace', ns]));

      it('create role and clusterrole turn --verb/--resource/--resource-name/--non-resource-url/--aggregation-rule into rules', async () => {
        assert.match(
          (await ok(['-n', ns, 'create', 'role', 'reader', '--verb=get', '--verb=list', '--resource=pods,deployments.apps,pods/log'])).stdout,
          /role.rbac.authorization.k8s.io\/reader created/,
        );
        const reader = (await getJson(`${RBAC}/namespaces/${ns}/roles/reader`)).json;
        assert.deepEqual(reader.rules, [
          { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'] },
          { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments'] },
        ]);
        await ok(['-n', ns, 'create', 'role', 'db-secret', '--verb=get', '--resource=secrets', '--resource-name=db', '--resource-name=db-tls']);
        assert.deepEqual((await getJson(`${RBAC}/namespaces/${ns}/roles/db-secret`)).json.rules, [
          { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db', 'db-tls'] },
        ]);

        await ok(['create', 'clusterrole', `watcher-${index}`, '--verb=get', '--resource=nodes', '--non-resource-url=/healthz', '--non-resource-url=/logs/*']);
        assert.deepEqual((await getJson(`${RBAC}/clusterroles/watcher-${index}`)).json.rules, [
          { verbs: ['get'], apiGroups: [''], resources: ['nodes'] },
          { verbs: ['get'], nonResourceURLs: ['/healthz', '/logs/*'] },
        ]);
        await ok(['create', 'clusterrole', `monitoring-${index}`, `--aggregation-rule=example.com/aggregate-to-monitoring-${index}=true`]);
        assert.deepEqual((await getJson(`${RBAC}/clusterroles/monitoring-${index}`)).json.aggregationRule, {
          clusterRoleSelectors: [{ matchLabels: { [`example.com/aggregate-to-monitoring-${index}`]: 'true' } }],
        });
      });

      it('create rolebinding and clusterrolebinding name the role and the subjects, with their API groups defaulted', async () => {
        await ok(['-n', ns, 'create', 'rolebinding', 'readers', '--role=reader', '--user=alice', '--group=devs', `--serviceaccount=${ns}:robot`]);
        const readers = (await getJson(`${RBAC}/namespaces/${ns}/rolebindings/readers`)).json;
        assert.deepEqual(readers.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' });
        assert.deepEqual(readers.subjects, [
          { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
          { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' },
          { kind: 'ServiceAccount', name: 'robot', namespace: ns },
        ]);
        await ok(['-n', ns, 'create', 'rolebinding', 'viewers', '--clusterrole=view', '--user=bob']);
        await ok(['create', 'clusterrolebinding', `watchers-${index}`, `--clusterrole=watcher-${index}`, '--user=bob', `--serviceaccount=${ns}:robot`]);
        assert.deepEqual((await getJson(`${RBAC}/clusterrolebindings/watchers-${index}`)).json.roleRef, {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: `watcher-${index}`,
        });
      });

      it('get prints NAME CREATED AT for roles and NAME ROLE AGE (wide: USERS GROUPS SERVICEACCOUNTS) for bindings', async () => {
        const roles = (await ok(['-n', ns, 'get', 'roles'])).stdout;
        assert.equal(tableHeader(roles), 'NAME CREATED AT');
        assert.match(roles, /\nreader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/);
        assert.equal(tableHeader((await ok(['get', 'clusterroles', `watcher-${index}`])).stdout), 'NAME CREATED AT');
        assert.equal(tableHeader((await ok(['-n', ns, 'get', 'rolebindings'])).stdout), 'NAME ROLE AGE');
        const wide = (await ok(['-n', ns, 'get', 'rolebindings', '-o', 'wide'])).stdout;
        assert.equal(tableHeader(wide), 'NAME ROLE AGE USERS GROUPS SERVICEACCOUNTS');
        assert.match(wide, new RegExp(`\\nreaders\\s+Role/reader\\s+\\d+s\\s+alice\\s+devs\\s+${ns}/robot\\n`));
        assert.match(wide, /\nviewers\s+ClusterRole\/view\s+\d+s\s+bob\s*\n/);
        const cluster = (await ok(['get', 'clusterrolebinding', `watchers-${index}`, '-o', 'wide'])).stdout;
        assert.match(cluster, new RegExp(`\\nwatchers-${index}\\s+ClusterRole/watcher-${index}\\s+\\d+s\\s+bob\\s+${ns}/robot\\n`));
      });

      it('apply creates, then replaces rules and subjects (lists without merge keys); applying the same again writes nothing', async () => {
        const manifest = (verbs: string, user: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: applied }
rules:
- { verbs: [${verbs}], apiGroups: [""], resources: [configmaps] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: applied }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: applied }
subjects: [{ kind: User, name: ${user} }]
`;
        assert.match((await ok(['-n', ns, 'apply', '-f', '-'], manifest('get, list', 'dave'))).stdout, /role.rbac.authorization.k8s.io\/applied created/);
        await ok(['-n', ns, 'apply', '-f', '-'], manifest('watch', 'erin'));
        assert.deepEqual((await getJson(`${RBAC}/namespaces/${ns}/roles/applied`)).json.rules, [
          { verbs: ['watch'], apiGroups: [''], resources: ['configmaps'] },
        ]);
        assert.deepEqual((await getJson(`${RBAC}/namespaces/${ns}/rolebindings/applied`)).json.subjects, [
          { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'erin' },
        ]);
        // kubectl sends the binding's atomic subjects again, since the stored ones carry the defaulted
        // apiGroup (it says "configured", as against Kubernetes); the server finds nothing to write.
        const rv = (await getJson(`${RBAC}/namespaces/${ns}/rolebindings/applied`)).json.metadata.resourceVersion;
        const again = (await ok(['-n', ns, 'apply', '-f', '-'], manifest('watch', 'erin'))).stdout;
        assert.match(again, /role.rbac.authorization.k8s.io\/applied unchanged/);
        assert.equal((await getJson(`${RBAC}/namespaces/${ns}/rolebindings/applied`)).json.metadata.resourceVersion, rv);
      });

      it('explain reads the RBAC schemas', async () => {
        const out = (await ok(['explain', 'role.rules'])).stdout;
        for (const field of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) assert.match(out, new RegExp(field));
        assert.match((await ok(['explain', 'clusterrole.aggregationRule'])).stdout, /clusterRoleSelectors/);
      });

      it('invalid rules and bindings are refused with their field causes, and nothing is stored', async () => {
        await refused(
          ['-n', ns, 'apply', '-f', '-'],
          `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: health }
rules:
- { verbs: [get], nonResourceURLs: [/healthz] }
- { verbs: [], apiGroups: [""], resources: [pods] }
- { verbs: [get] }
`,
          [
            'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
            'rules[1].verbs: Required value: verbs must contain at least one value',
            'rules[2].apiGroups: Required value: resource rules must supply at least one api group',
            'rules[2].resources: Required value: resource rules must supply at least one resource',
          ],
        );
        assert.equal((await getJson(`${RBAC}/namespaces/${ns}/roles/health`)).status, 404);
        await refused(
          ['apply', '-f', '-'],
          `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: bad-${index} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader }
subjects:
- { kind: Robot, name: r2 }
- { kind: ServiceAccount, name: robot }
- { kind: User, name: bob, apiGroup: v1 }
`,
          [
            'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
            'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
            'subjects[1].namespace: Required value',
            'subjects[2].apiGroup: Unsupported value: "v1": supported values: "rbac.authorization.k8s.io"',
          ],
        );
        assert.equal((await getJson(`${RBAC}/clusterrolebindings/bad-${index}`)).status, 404);
        await refused(['create', 'clusterrole', 'a/b', '--verb=get', '--resource=pods'], undefined, [
          `metadata.name: Invalid value: "a/b": may not contain '/'`,
        ]);
      });

      it("a binding's roleRef cannot change; its subjects can", async () => {
        const stderr = await refused(
          ['-n', ns, 'patch', 'rolebinding', 'readers', '--type=merge', '-p', '{"roleRef":{"kind":"ClusterRole","name":"edit"}}'],
          undefined,
          ['roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef'],
        );
        assert.match(stderr, /The RoleBinding "readers" is invalid/);
        await ok(['-n', ns, 'patch', 'rolebinding', 'readers', '--type=merge', '-p', '{"subjects":[{"kind":"User","name":"carol"}]}']);
        assert.deepEqual((await getJson(`${RBAC}/namespaces/${ns}/rolebindings/readers`)).json.subjects, [
          { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'carol' },
        ]);
      });

      it('an aggregated ClusterRole picks up the rules of a role labelled for it, and drops them when it goes', async () => {
        const member = `monitoring-member-${index}`;
        await ok(['create', 'clusterrole', member, '--verb=get,list,watch', '--resource=pods,services']);
        await ok(['label', 'clusterrole', member, `example.com/aggregate-to-monitoring-${index}=true`]);
        await eventually(async () => {
          const rules = (await getJson(`${RBAC}/clusterroles/monitoring-${index}`)).json.rules;
          assert.deepEqual(rules, [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'services'] }]);
        }, 15_000);
        await ok(['delete', 'clusterrole', member]);
        await eventually(async () => {
          const rules = (await getJson(`${RBAC}/clusterroles/monitoring-${index}`)).json.rules;
          assert.ok(rules === undefined || rules === null || rules.length === 0, JSON.stringify(rules));
        }, 15_000);
      });
    });
  });

  /**
   * Escalation: alice may only create roles and rolebindings in `esc` (an admin's Role and
   * RoleBinding grant it). This needs the RBAC authorizer: with an allow-all authorizer, alice
   * holds every rule and nothing is refused.
   */
  describe('escalation prevention', () => {
    const ns = 'esc';
    let alice: Identity;
    const asAlice = (method: string, path: string, body: unknown) => apiRequest(alice.target, method, path, { body });
    const role = (name: string, rules: unknown[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules });
    const binding = (name: string, kind: string, roleName: string) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName },
      subjects: [{ kind: 'User', name: 'bob' }],
    });
    const roleWriter = [{ verbs: ['create'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] }];

    before(async () => {
      alice = await identityFor(api.cluster, 'alice');
      for (const [path, body] of [
        ['/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }],
        [`${RBAC}/namespaces/${ns}/roles`, role('role-writer', roleWriter)],
        [`${RBAC}/namespaces/${ns}/rolebindings`, { ...binding('alice-writes-roles', 'Role', 'role-writer'), subjects: [{ kind: 'User', name: 'alice' }] }],
      ] as const) {
        const res = await apiRequest(api.cluster.admin, 'POST', path, { body });
        assert.equal(res.status, 201, res.body);
      }
    });

    it("a role granting what its author does not hold is 403 with upstream's message; one within it is created", async () => {
      const denied = await eventually(async () => {
        const res = await asAlice(
          'POST',
          `${RBAC}/namespaces/${ns}/roles`,
          role('secret-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]),
        );
        assert.equal(res.status, 403, res.body);
        return res.json;
      }, 10_000);
      assert.equal(denied.reason, 'Forbidden');
      assert.match(
        denied.message,
        /^roles\.rbac\.authorization\.k8s\.io "secret-reader" is forbidden: user "alice" \(groups=\[("[^"]+" ?)*\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}$/,
      );
      const created = await asAlice(
        'POST',
        `${RBAC}/namespaces/${ns}/roles`,
        role('role-maker', [{ verbs: ['create'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }]),
      );
      assert.equal(created.status, 201, created.body);
    });

    it("a binding needs the bound role's rules (or bind): her own role yes, admin no, a missing role 404", async () => {
      const own = await eventually(async () => {
        const res = await asAlice('POST', `${RBAC}/namespaces/${ns}/rolebindings`, binding('bob-writes-roles', 'Role', 'role-writer'));
        assert.equal(res.status, 201, res.body);
        return res;
      }, 10_000);
      assert.equal(own.json.roleRef.name, 'role-writer');
      const admin = await asAlice('POST', `${RBAC}/namespaces/${ns}/rolebindings`, binding('bob-admin', 'ClusterRole', 'admin'));
      assert.equal(admin.status, 403, admin.body);
      assert.match(
        admin.json.message,
        /^rolebindings\.rbac\.authorization\.k8s\.io "bob-admin" is forbidden: user "alice" .* is attempting to grant RBAC permissions not currently held:\n/,
      );
      const missing = await asAlice('POST', `${RBAC}/namespaces/${ns}/rolebindings`, binding('bob-nothing', 'Role', 'nope'));
      assert.equal(missing.status, 404, missing.body);
      assert.equal(missing.json.message, 'roles.rbac.authorization.k8s.io "nope" not found');
    });

    it('kubectl create role prints the refusal', async () => {
      const bin = binaries[binaries.length - 1]!;
      const res = await kubectl(bin, ['-n', ns, 'create', 'role', 'pod-killer', '--verb=delete', '--resource=pods'], { kubeconfig: alice.kubeconfigPath });
      assert.notEqual(res.code, 0, res.stdout);
      assert.match(
        res.stderr,
        /Error from server \(Forbidden\): roles\.rbac\.authorization\.k8s\.io "pod-killer" is forbidden: user "alice" .* is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["pods"\], Verbs:\["delete"\]\}/,
      );
    });
  });
});
