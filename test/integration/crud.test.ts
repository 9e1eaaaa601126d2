/**
 * Every kind of issue #2 through every verb, with @kubernetes/client-node's generic
 * KubernetesObjectApi (which also exercises discovery: it finds each kind's plural and
 * scope from /api/v1 and /apis/<group>/<version>) and the typed clients.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, DiscoveryV1Api, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { expectApiError, startTestCluster, type TestCluster } from '../harness/index.ts';
import { kindCases } from './fixtures/sample-objects.ts';

// Ports 22100-22105 (etcd) and 22200 (apiserver) belong to this file.
const BASE_PORT = 22100;
const NS = 'crud';

describe('CRUD for every kind', () => {
  let cluster: TestCluster;
  let objects: KubernetesObjectApi;

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT });
    objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig);
    await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  });
  after(() => cluster?.stop());

  for (const c of kindCases) {
    it(`${c.kind}: create, get, list, update, patch, delete`, async () => {
      const name = `${c.kind.toLowerCase()}-a`;
      const created = (await objects.create(c.make(name, NS))) as any;
      assert.equal(created.metadata.name, name);
      assert.equal(created.kind, c.kind);
      assert.equal(created.apiVersion, c.apiVersion);
      assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/, 'uid set by the server');
      assert.ok(Date.parse(created.metadata.creationTimestamp) > 0, 'creationTimestamp set');
      assert.match(created.metadata.resourceVersion ?? '', /^\d+$/);
      if (c.namespaced) assert.equal(created.metadata.namespace, NS);

      await expectApiError(objects.create(c.make(name, NS)), 409, 'AlreadyExists');

      const header = { apiVersion: c.apiVersion, kind: c.kind, metadata: { name, ...(c.namespaced ? { namespace: NS } : {}) } };
      const got = (await objects.read(header)) as any;
      assert.equal(got.metadata.uid, created.metadata.uid);
      assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);

      const list = await objects.list(c.apiVersion, c.kind, c.namespaced ? NS : undefined);
      assert.ok(
        list.items.some((item: KubernetesObject) => item.metadata?.name === name),
        `${name} listed`,
      );
      assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/, 'list carries a resourceVersion');
      assert.ok(Number(list.metadata?.resourceVersion) >= Number(created.metadata.resourceVersion));

      const change = structuredClone(got);
      const check = c.mutate(change);
      const updated = (await objects.replace(change)) as any;
      assert.deepEqual(check.read(updated), check.expected);
      assert.ok(Number(updated.metadata.resourceVersion) > Number(got.metadata.resourceVersion), 'update bumps resourceVersion');
      assert.deepEqual(check.read(await objects.read(header)), check.expected, 'update persisted');

      // The same stale resourceVersion again: compare-and-swap refuses it.
      await expectApiError(objects.replace(change), 409, 'Conflict');

      const patch = { ...header, metadata: { ...header.metadata, labels: { patched: 'true' } } };
      const patched = (await objects.patch(patch, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch)) as any;
      assert.equal(patched.metadata.labels?.patched, 'true');
      assert.deepEqual(check.read(patched), check.expected, 'merge patch keeps the other fields');

      await objects.delete(header);
      if (c.kind === 'Namespace') {
        // A namespace is finalized by its controller: it may linger as Terminating.
        try {
          const ns = (await objects.read(header)) as any;
          assert.equal(ns.status?.phase, 'Terminating');
          assert.ok(ns.metadata.deletionTimestamp, 'deletionTimestamp set');
        } catch (err) {
          assert.equal((err as { code?: number }).code, 404);
        }
      } else {
        await expectApiError(objects.read(header), 404, 'NotFound');
      }
    });
  }

  it('typed clients of every group read what was written', async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    const coordination = cluster.kubeConfig.makeApiClient(CoordinationV1Api);
    const discovery = cluster.kubeConfig.makeApiClient(DiscoveryV1Api);
    const byKind = Object.fromEntries(kindCases.map((c) => [c.kind, c]));
    const make = (kind: string) => byKind[kind].make(`${kind.toLowerCase()}-typed`, NS);
    await core.createNamespacedConfigMap({ namespace: NS, body: make('ConfigMap') });
    await core.createNamespacedSecret({ namespace: NS, body: make('Secret') });
    await core.createNamespacedServiceAccount({ namespace: NS, body: make('ServiceAccount') });
    await core.createNamespacedEndpoints({ namespace: NS, body: make('Endpoints') });
    await core.createNamespacedEvent({ namespace: NS, body: make('Event') });
    await core.createNamespacedReplicationController({ namespace: NS, body: make('ReplicationController') });
    await apps.createNamespacedReplicaSet({ namespace: NS, body: make('ReplicaSet') });
    await apps.createNamespacedDeployment({ namespace: NS, body: make('Deployment') });
    await coordination.createNamespacedLease({ namespace: NS, body: make('Lease') });
    await discovery.createNamespacedEndpointSlice({ namespace: NS, body: make('EndpointSlice') });
    await core.createNode({ body: byKind.Node.make('node-typed', '') });

    assert.equal((await core.readNamespacedConfigMap({ name: 'configmap-typed', namespace: NS })).data?.key, 'value');
    assert.equal((await core.readNamespacedSecret({ name: 'secret-typed', namespace: NS })).data?.password, Buffer.from('hunter2').toString('base64'));
    assert.equal((await core.readNamespacedServiceAccount({ name: 'serviceaccount-typed', namespace: NS })).metadata?.name, 'serviceaccount-typed');
    assert.equal((await core.readNamespacedEndpoints({ name: 'endpoints-typed', namespace: NS })).subsets?.[0].addresses?.[0].ip, '10.244.1.5');
    assert.equal((await core.readNamespacedEvent({ name: 'event-typed', namespace: NS })).reason, 'Scheduled');
    assert.equal((await core.readNamespacedReplicationController({ name: 'replicationcontroller-typed', namespace: NS })).spec?.replicas, 1);
    assert.equal((await apps.readNamespacedReplicaSet({ name: 'replicaset-typed', namespace: NS })).spec?.replicas, 1);
    const deployment = await apps.readNamespacedDeployment({ name: 'deployment-typed', namespace: NS });
    // Defaults a Kubernetes apiserver fills in.
    assert.equal(deployment.spec?.strategy?.type, 'RollingUpdate');
    assert.equal(deployment.spec?.revisionHistoryLimit, 10);
    assert.equal(deployment.spec?.template.spec?.restartPolicy, 'Always');
    assert.equal((await coordination.readNamespacedLease({ name: 'lease-typed', namespace: NS })).spec?.holderIdentity, 'a');
    assert.equal((await discovery.readNamespacedEndpointSlice({ name: 'endpointslice-typed', namespace: NS })).addressType, 'IPv4');
    assert.equal((await core.readNode({ name: 'node-typed' })).spec?.podCIDR, '10.244.9.0/24');

    const all = await core.listConfigMapForAllNamespaces();
    assert.ok(
      all.items.some((cm) => cm.metadata?.name === 'configmap-typed' && cm.metadata.namespace === NS),
      'cross-namespace list',
    );
  });

  it('the built-in namespaces exist', async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const names = (await core.listNamespace()).items.map((ns) => ns.metadata?.name);
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      assert.ok(names.includes(name), `namespace ${name} exists (got ${names.join(', ')})`);
    }
    const kubernetes = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
    assert.equal(kubernetes.spec?.clusterIP, '10.96.0.1');
  });

  it('creating in a missing namespace is refused', async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await expectApiError(core.createNamespacedConfigMap({ namespace: 'no-such-ns', body: { metadata: { name: 'x' }, data: {} } }), 404, 'NotFound');
  });
});
