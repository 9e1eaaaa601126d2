/**
 * RBAC as users meet it: a service account's Role in its namespace and nothing beyond, a
 * ClusterRoleBinding cluster-wide, bindings that take effect (and stop) within seconds, the
 * default policy after start (and put back by the next start unless autoupdate is "false"),
 * the components' identities limited to what they do, access reviews, impersonation and
 * `kubectl auth can-i` with every kubectl on the machine.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createCertificateRequest } from '@skiff/pki';
import {
  apiRequest,
  eventually,
  identityFor,
  kubectl,
  kubectlBinaries,
  startControllerManager,
  startHollowNodes,
  startScheduler,
  startTestCluster,
  type ApiTarget,
  type ComponentProcess,
  type Identity,
  type TestCluster,
} from '../harness/index.ts';

// Ports 28100-28101 and 28110-28111 (etcd), 28150 and 28151 (apiserver) belong to this file.
const BASE_PORT = 28100;
const binaries = await kubectlBinaries();
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const SA_USER = 'system:serviceaccount:team:reader';

async function must(target: ApiTarget, method: string, path: string, body?: unknown): Promise<any> {
  const res = await apiRequest(target, method, path, body === undefined ? {} : { body });
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.body}`);
  return res.json;
}

async function status(target: ApiTarget, method: string, path: string, body?: unknown): Promise<number> {
  return (await apiRequest(target, method, path, body === undefined ? {} : { body })).status;
}

describe('RBAC authorization', { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let reader: Identity;
  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1, apiServerPort: 28150 });
    for (const name of ['team', 'other']) await must(cluster.admin, 'POST', '/api/v1/namespaces', { metadata: { name } });
    await must(cluster.admin, 'POST', '/api/v1/namespaces/team/pods', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await must(cluster.admin, 'POST', `${RBAC}/namespaces/team/roles`, {
      metadata: { name: 'pod-reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    await must(cluster.admin, 'POST', `${RBAC}/namespaces/team/rolebindings`, {
      metadata: { name: 'reader-reads-pods' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'team' }],
    });
    reader = await identityFor(cluster, SA_USER, ['system:serviceaccounts', 'system:serviceaccounts:team']);
  });
  after(() => cluster?.stop());

  it("a service account reads pods in its namespace and nothing else, with upstream's messages", async () => {
    await eventually(async () => assert.equal(await status(reader.target, 'GET', '/api/v1/namespaces/team/pods'), 200));
    const secrets = await apiRequest(reader.target, 'GET', '/api/v1/namespaces/team/secrets');
    assert.equal(secrets.status, 403);
    assert.equal(secrets.json.reason, 'Forbidden');
    assert.equal(secrets.json.message, `secrets is forbidden: User "${SA_USER}" cannot list resource "secrets" in API group "" in the namespace "team"`);
    assert.deepEqual(secrets.json.details, { kind: 'secrets' });
    const other = await apiRequest(reader.target, 'GET', '/api/v1/namespaces/other/pods/p');
    assert.equal(other.status, 403);
    assert.equal(other.json.message, `pods "p" is forbidden: User "${SA_USER}" cannot get resource "pods" in API group "" in the namespace "other"`);
    const nodes = await apiRequest(reader.target, 'GET', '/api/v1/nodes');
    assert.equal(nodes.json.message, `nodes is forbidden: User "${SA_USER}" cannot list resource "nodes" in API group "" at the cluster scope`);
    const metrics = await apiRequest(reader.target, 'GET', '/metrics');
    assert.equal(metrics.json.message, `forbidden: User "${SA_USER}" cannot get path "/metrics"`);
    // Discovery and the self reviews come with system:authenticated.
    assert.equal(await status(reader.target, 'GET', '/api/v1'), 200);
  });

  it('the JS client sees the same grants', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(reader.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace: 'team' });
    assert.deepEqual(
      pods.items.map((p) => p.metadata?.name),
      ['p'],
    );
    await assert.rejects(core.listNamespacedSecret({ namespace: 'team' }), (err: { code?: number }) => err.code === 403);
  });

  it('a ClusterRoleBinding grants cluster-wide; deleting a binding takes effect within seconds', async () => {
    const carol = await identityFor(cluster, 'carol', ['devs']);
    assert.equal(await status(carol.target, 'GET', '/api/v1/namespaces/other/pods'), 403);
    await must(cluster.admin, 'POST', `${RBAC}/clusterrolebindings`, {
      metadata: { name: 'devs-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    await eventually(async () => assert.equal(await status(carol.target, 'GET', '/api/v1/namespaces/other/pods'), 200));
    assert.equal(await status(carol.target, 'GET', '/apis/apps/v1/deployments'), 200);
    assert.equal(await status(carol.target, 'GET', '/api/v1/namespaces/team/secrets'), 403);
    assert.equal(await status(carol.target, 'POST', '/api/v1/namespaces/other/configmaps', { metadata: { name: 'x' } }), 403);

    await must(cluster.admin, 'DELETE', `${RBAC}/clusterrolebindings/devs-view`);
    await eventually(async () => assert.equal(await status(carol.target, 'GET', '/api/v1/namespaces/other/pods'), 403), 5_000);
  });

  it('the default policy exists after start, labelled, with admin/edit/view carrying their aggregated rules', async () => {
    const roles = await must(cluster.admin, 'GET', `${RBAC}/clusterroles`);
    const byName = new Map<string, any>(roles.items.map((r: any) => [r.metadata.name, r]));
    for (const name of [
      'cluster-admin',
      'admin',
      'edit',
      'view',
      'system:discovery',
      'system:basic-user',
      'system:public-info-viewer',
      'system:node',
      'system:node-proxier',
      'system:kube-controller-manager',
      'system:kube-scheduler',
      'system:volume-scheduler',
      'system:kubelet-api-admin',
      'system:node-bootstrapper',
      'system:controller:deployment-controller',
      'system:controller:generic-garbage-collector',
      'system:skiff:dns',
      'system:skiff:local-path',
    ]) {
      const role = byName.get(name);
      assert.ok(role, `ClusterRole ${name} missing`);
      assert.equal(role.metadata.labels['kubernetes.io/bootstrapping'], 'rbac-defaults');
      assert.equal(role.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'], 'true');
    }
    const grants = (name: string, group: string, resource: string, verb: string) =>
      byName.get(name).rules.some((r: any) => r.apiGroups?.includes(group) && r.resources?.includes(resource) && r.verbs.includes(verb));
    assert.deepEqual(byName.get('view').aggregationRule, {
      clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }],
    });
    assert.ok(grants('view', '', 'pods', 'list'));
    assert.ok(!grants('view', '', 'secrets', 'get'));
    assert.ok(grants('edit', '', 'pods', 'list') && grants('edit', 'apps', 'deployments', 'create') && grants('edit', '', 'secrets', 'get'));
    assert.ok(grants('admin', 'rbac.authorization.k8s.io', 'rolebindings', 'create') && grants('admin', 'apps', 'deployments', 'delete'));
    const bindings = await must(cluster.admin, 'GET', `${RBAC}/clusterrolebindings`);
    const subjectsOf = (name: string) => bindings.items.find((b: any) => b.metadata.name === name)?.subjects.map((s: any) => `${s.kind}:${s.name}`);
    assert.deepEqual(subjectsOf('cluster-admin'), ['Group:system:masters']);
    assert.deepEqual(subjectsOf('system:public-info-viewer'), ['Group:system:authenticated', 'Group:system:unauthenticated']);
    assert.deepEqual(subjectsOf('system:controller:deployment-controller'), ['User:system:kube-controller-manager']);
  });

  it('kube-proxy and dns identities read what they watch and write nothing', async () => {
    for (const user of ['system:kube-proxy', 'system:skiff-dns']) {
      const id = await identityFor(cluster, user);
      assert.equal(await status(id.target, 'GET', '/api/v1/services'), 200, user);
      assert.equal(await status(id.target, 'GET', '/apis/discovery.k8s.io/v1/endpointslices?watch=1&timeoutSeconds=1'), 200, user);
      assert.equal(
        await status(id.target, 'POST', '/api/v1/namespaces/team/services', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } }),
        403,
        user,
      );
      assert.equal(await status(id.target, 'GET', '/api/v1/namespaces/team/secrets'), 403, user);
      assert.equal(await status(id.target, 'DELETE', '/api/v1/namespaces/team/pods/p'), 403, user);
    }
  });

  it('health and /version are open; anything else without credentials is 401', async () => {
    for (const path of ['/healthz', '/livez', '/readyz', '/version']) assert.equal(await status(cluster.anonymous, 'GET', path), 200, path);
    for (const path of ['/api', '/api/v1/namespaces/team/pods', '/apis/rbac.authorization.k8s.io/v1/clusterroles'])
      assert.equal(await status(cluster.anonymous, 'GET', path), 401, path);
  });

  it('a bootstrap token may create a CSR but not list pods', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await must(cluster.admin, 'POST', '/api/v1/namespaces/kube-system/secrets', {
      metadata: { name: 'bootstrap-token-h1bh1b' },
      type: 'bootstrap.kubernetes.io/token',
      data: { 'token-id': b64('h1bh1b'), 'token-secret': b64('0123456789abcdef'), 'usage-bootstrap-authentication': b64('true') },
    });
    const token: ApiTarget = { server: cluster.server, caCert: cluster.pki.caCert, token: 'h1bh1b.0123456789abcdef' };
    const { csr } = await createCertificateRequest({ commonName: 'system:node:n1', organizations: ['system:nodes'] });
    const created = await apiRequest(token, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', {
      body: {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name: 'node-csr-h1b' },
        spec: { request: b64(csr), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
      },
    });
    assert.equal(created.status, 201, created.body);
    assert.equal(await status(token, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests/node-csr-h1b'), 200);
    const pods = await apiRequest(token, 'GET', '/api/v1/pods');
    assert.equal(pods.status, 403);
    assert.equal(pods.json.message, 'pods is forbidden: User "system:bootstrap:h1bh1b" cannot list resource "pods" in API group "" at the cluster scope');
  });

  it('SubjectAccessReview and LocalSubjectAccessReview answer from the same chain', async () => {
    const review = (spec: object) =>
      must(cluster.admin, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec,
      });
    const yes = await review({ user: SA_USER, groups: ['system:serviceaccounts'], resourceAttributes: { namespace: 'team', verb: 'list', resource: 'pods' } });
    assert.equal(yes.status.allowed, true);
    assert.equal(yes.status.reason, 'RBAC: allowed by RoleBinding "reader-reads-pods/team" of Role "pod-reader" to ServiceAccount "reader/team"');
    assert.equal((await review({ user: SA_USER, resourceAttributes: { namespace: 'other', verb: 'list', resource: 'pods' } })).status.allowed, false);
    assert.equal((await review({ user: 'x', groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'nodes' } })).status.allowed, true);
    assert.equal(
      (await review({ user: 'x', groups: ['system:authenticated'], nonResourceAttributes: { verb: 'get', path: '/version' } })).status.allowed,
      true,
    );
    assert.equal(
      await status(cluster.admin, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        spec: { resourceAttributes: { verb: 'get', resource: 'pods' } },
      }),
      422,
    );

    const local = (ns: string, spec: object) =>
      apiRequest(cluster.admin, 'POST', `/apis/authorization.k8s.io/v1/namespaces/${ns}/localsubjectaccessreviews`, {
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', metadata: { namespace: ns }, spec },
      });
    const allowed = await local('team', { user: SA_USER, resourceAttributes: { namespace: 'team', verb: 'get', resource: 'pods' } });
    assert.equal(allowed.status, 201, allowed.body);
    assert.equal(allowed.json.status.allowed, true);
    assert.equal(allowed.json.metadata.namespace, 'team');
    assert.equal((await local('team', { user: SA_USER, resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' } })).status, 422);
    const discovery = await must(cluster.admin, 'GET', '/apis/authorization.k8s.io/v1');
    const served = new Map<string, boolean>(discovery.resources.map((r: any) => [r.name, r.namespaced]));
    assert.equal(served.get('subjectaccessreviews'), false);
    assert.equal(served.get('localsubjectaccessreviews'), true);
    // The review itself is authorized: the reader may not ask about others.
    assert.equal(
      await status(reader.target, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        spec: { user: 'x', resourceAttributes: { verb: 'get', resource: 'pods' } },
      }),
      403,
    );
  });

  it('impersonation needs the impersonate verb, and acts as the impersonated user', async () => {
    const asReader = await apiRequest(cluster.admin, 'GET', '/api/v1/namespaces/other/pods', { headers: { 'Impersonate-User': SA_USER } });
    assert.equal(asReader.status, 403);
    assert.match(asReader.json.message, /User "system:serviceaccount:team:reader" cannot list/);
    assert.equal((await apiRequest(cluster.admin, 'GET', '/api/v1/namespaces/team/pods', { headers: { 'Impersonate-User': SA_USER } })).status, 200);
    const refused = await apiRequest(reader.target, 'GET', '/api/v1/namespaces/team/pods', { headers: { 'Impersonate-User': 'alice' } });
    assert.equal(refused.status, 403);
    assert.equal(
      refused.json.message,
      `users "alice" is forbidden: User "${SA_USER}" cannot impersonate resource "users" in API group "" at the cluster scope`,
    );
    assert.equal((await apiRequest(cluster.admin, 'GET', '/api/v1/pods', { headers: { 'Impersonate-Group': 'system:masters' } })).status, 400);
  });

  for (const bin of binaries) {
    it(`${bin.name}: auth can-i with --as, -n and --list`, async () => {
      const run = (args: string[], kubeconfig = cluster.kubeconfigPath) => kubectl(bin, args, { kubeconfig });
      const answer = async (args: string[], kubeconfig?: string) => (await run(['auth', 'can-i', ...args], kubeconfig)).stdout.trim();
      assert.equal(await answer(['list', 'pods', '-n', 'team', `--as=${SA_USER}`]), 'yes');
      assert.equal(await answer(['list', 'pods', '-n', 'other', `--as=${SA_USER}`]), 'no');
      assert.equal(await answer(['get', 'secrets', '-n', 'team', `--as=${SA_USER}`]), 'no');
      assert.equal(await answer(['list', 'pods', '-n', 'team'], reader.kubeconfigPath), 'yes');
      assert.equal(await answer(['create', 'pods', '-n', 'team'], reader.kubeconfigPath), 'no');
      assert.equal(await answer(['list', 'pods', '--as=alice']), 'no');
      const list = await run(['auth', 'can-i', '--list', '-n', 'team'], reader.kubeconfigPath);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
      assert.match(list.stdout, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
      assert.doesNotMatch(list.stdout, /^\*\.\*/m);
      const elsewhere = await run(['auth', 'can-i', '--list', '-n', 'other', `--as=${SA_USER}`]);
      assert.doesNotMatch(elsewhere.stdout, /^pods\s/m);
    });
  }

  it("removing the service account's RoleBinding takes its access away within seconds", async () => {
    assert.equal(await status(reader.target, 'GET', '/api/v1/namespaces/team/pods'), 200);
    await must(cluster.admin, 'DELETE', `${RBAC}/namespaces/team/rolebindings/reader-reads-pods`);
    await eventually(async () => assert.equal(await status(reader.target, 'GET', '/api/v1/namespaces/team/pods'), 403), 5_000);
  });

  it('the next start puts a removed rule back into view, unless autoupdate is "false"', async () => {
    const path = (name: string) => `${RBAC}/clusterroles/${name}`;
    const dropPods = async (name: string, annotations: Record<string, string> = {}) => {
      const role = await must(cluster.admin, 'GET', path(name));
      role.rules = role.rules.filter((r: any) => !r.resources?.includes('pods'));
      role.metadata.annotations = { ...role.metadata.annotations, ...annotations };
      await must(cluster.admin, 'PUT', path(name), role);
    };
    const hasPods = async (name: string) => (await must(cluster.admin, 'GET', path(name))).rules.some((r: any) => r.resources?.includes('pods'));
    await dropPods('view');
    await dropPods('system:aggregate-to-view');
    await dropPods('system:aggregate-to-edit', { 'rbac.authorization.kubernetes.io/autoupdate': 'false' });
    assert.equal(await hasPods('system:aggregate-to-view'), false);
    await cluster.restartApiServer();
    await eventually(async () => assert.equal(await hasPods('system:aggregate-to-view'), true), 30_000);
    assert.equal(await hasPods('view'), true);
    assert.equal(await hasPods('system:aggregate-to-edit'), false);
    // A deleted default binding comes back too.
    await must(cluster.admin, 'DELETE', `${RBAC}/clusterrolebindings/system:node-proxier`);
    await cluster.restartApiServer();
    await eventually(async () => assert.equal(await status(cluster.admin, 'GET', `${RBAC}/clusterrolebindings/system:node-proxier`), 200), 30_000);
  });
});

/**
 * The control plane under its own identities, as `skiff up` runs it: whatever the controllers and
 * the scheduler do for a Deployment, a Service, a Job, a StatefulSet and a namespace's deletion, the
 * default policy allows (their logs show no refusal).
 */
describe("RBAC: the components' own identities", { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  const components: ComponentProcess[] = [];
  before(async () => {
    cluster = await startTestCluster({ basePort: 28110, etcdMembers: 1, apiServerPort: 28151 });
    const manager = await identityFor(cluster, 'system:kube-controller-manager');
    const scheduler = await identityFor(cluster, 'system:kube-scheduler');
    components.push(await startControllerManager(cluster, { args: [`--kubeconfig=${manager.kubeconfigPath}`] }));
    components.push(await startScheduler(cluster, { args: [`--kubeconfig=${scheduler.kubeconfigPath}`] }));
    // The Node authorizer is not what this suite is about: the hollow node speaks as the admin.
    components.push(await startHollowNodes(cluster, { prefix: 'rbac-node-' }));
  });
  after(async () => {
    await Promise.all(components.map((c) => c.stop(5000).catch(() => c.kill())));
    await cluster?.stop();
  });

  it('a Deployment, Service, Job and StatefulSet run and a namespace is deleted with no refusal in the logs', async () => {
    const ns = '/api/v1/namespaces/apps';
    await must(cluster.admin, 'POST', '/api/v1/namespaces', { metadata: { name: 'apps' } });
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    await must(cluster.admin, 'POST', '/apis/apps/v1/namespaces/apps/deployments', {
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
    });
    await must(cluster.admin, 'POST', `${ns}/services`, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    await must(cluster.admin, 'POST', '/apis/apps/v1/namespaces/apps/statefulsets', {
      metadata: { name: 'db' },
      spec: { replicas: 1, serviceName: 'web', selector: { matchLabels: { app: 'db' } }, template: { ...template, metadata: { labels: { app: 'db' } } } },
    });
    await must(cluster.admin, 'POST', '/apis/batch/v1/namespaces/apps/jobs', {
      metadata: { name: 'once' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const refusals = () =>
      components.slice(0, 2).flatMap((c) =>
        c
          .log()
          .split('\n')
          .filter((line) => /forbidden|cannot \w+ resource|\b403\b/i.test(line)),
      );
    await eventually(
      async () => {
        assert.deepEqual(refusals(), []);
        const pods = await must(cluster.admin, 'GET', `${ns}/pods`);
        const bound = pods.items.filter((p: any) => p.spec.nodeName);
        assert.ok(bound.length >= 4, `bound pods: ${bound.length} of ${pods.items.length}`);
        const slices = await must(cluster.admin, 'GET', '/apis/discovery.k8s.io/v1/namespaces/apps/endpointslices');
        assert.ok(slices.items.length >= 1, 'no EndpointSlice yet');
        const endpoints = await must(cluster.admin, 'GET', `${ns}/endpoints/web`);
        assert.ok(endpoints.subsets?.length, 'no endpoints yet');
        const accounts = await must(cluster.admin, 'GET', `${ns}/serviceaccounts`);
        assert.ok(
          accounts.items.some((a: any) => a.metadata.name === 'default'),
          'no default ServiceAccount yet',
        );
        const rootCa = await apiRequest(cluster.admin, 'GET', `${ns}/configmaps/kube-root-ca.crt`);
        assert.equal(rootCa.status, 200, 'no kube-root-ca.crt yet');
      },
      60_000,
      500,
    );
    await must(cluster.admin, 'DELETE', ns.slice(0, -'/apps'.length) + '/apps');
    // A namespace that stays says why in its conditions (content or finalizers remaining).
    await eventually(
      async () => {
        const left = await apiRequest(cluster.admin, 'GET', ns);
        assert.equal(left.status, 404, `namespace apps still there: ${JSON.stringify(left.json?.status?.conditions ?? left.json?.status)}`);
      },
      60_000,
      500,
    );
    assert.deepEqual(refusals(), []);
  });
});
