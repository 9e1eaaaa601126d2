/**
 * The semantics beyond plain CRUD: selectors, paging, subresources, binding, generation,
 * finalizers, graceful deletion, namespace lifecycle, IP/port allocation, encryption at rest.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { Etcd3 } from 'etcd3';
import { expectApiError, startTestCluster, type TestCluster } from '../harness/index.ts';
import { kindCases } from './fixtures/sample-objects.ts';

// Ports 22110-22115 (etcd) and 22210 (apiserver) belong to this file.
const BASE_PORT = 22110;
const NS = 'sem';

const makeDeployment = (name: string) => kindCases.find((c) => c.kind === 'Deployment')!.make(name, NS);
const makePod = (name: string, extra: Partial<V1Pod['spec']> = {}): V1Pod => ({
  metadata: { name, labels: { app: name } },
  spec: { containers: [{ name: 'c', image: 'registry.local/web:1' }], ...extra },
});

describe('API semantics', () => {
  let cluster: TestCluster;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT });
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });
  after(() => cluster?.stop());

  it('filters lists by label and field selectors', async () => {
    for (const [name, tier] of [
      ['sel-1', 'a'],
      ['sel-2', 'a'],
      ['sel-3', 'b'],
      ['sel-4', 'c'],
    ]) {
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name, labels: { tier, group: 'sel' } } } });
    }
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedConfigMap({ namespace: NS, labelSelector, fieldSelector })).items.map((cm) => cm.metadata?.name).sort();
    assert.deepEqual(await names('tier=a'), ['sel-1', 'sel-2']);
    assert.deepEqual(await names('group=sel,tier!=a'), ['sel-3', 'sel-4']);
    assert.deepEqual(await names('tier in (b,c)'), ['sel-3', 'sel-4']);
    assert.deepEqual(await names('group=sel,!missing'), ['sel-1', 'sel-2', 'sel-3', 'sel-4']);
    assert.deepEqual(await names(undefined, 'metadata.name=sel-3'), ['sel-3']);
    assert.deepEqual(await names('group=sel', 'metadata.name!=sel-3'), ['sel-1', 'sel-2', 'sel-4']);
    await expectApiError(core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'tier in (a' }), 400, 'BadRequest');
    await expectApiError(core.listNamespacedConfigMap({ namespace: NS, fieldSelector: 'data.key=x' }), 400, 'BadRequest');

    await core.createNamespacedPod({ namespace: NS, body: makePod('on-n1', { nodeName: 'n1' }) });
    await core.createNamespacedPod({ namespace: NS, body: makePod('unbound') });
    const pods = async (fieldSelector: string) => (await core.listNamespacedPod({ namespace: NS, fieldSelector })).items.map((p) => p.metadata?.name).sort();
    assert.deepEqual(await pods('spec.nodeName=n1'), ['on-n1']);
    assert.deepEqual(await pods('spec.nodeName='), ['unbound']);
    assert.deepEqual(await pods('status.phase=Pending'), ['on-n1', 'unbound']);
  });

  it('pages lists with limit and continue', async () => {
    const ns = 'paging';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const all = Array.from({ length: 12 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
    for (const name of all) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
    const seen: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    let listRv: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: ns, limit: 5, _continue: token });
      sizes.push(page.items.length);
      seen.push(...page.items.map((cm) => cm.metadata!.name!));
      token = page.metadata?._continue || undefined;
      listRv ??= page.metadata?.resourceVersion;
      if (token) assert.equal(page.metadata?.resourceVersion, listRv, "every page reflects the first page's snapshot");
      // Writes between pages must not leak into later pages.
      if (sizes.length === 1) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'page-99-late' } } });
    } while (token);
    assert.deepEqual(sizes, [5, 5, 2]);
    assert.deepEqual(seen, all, 'each object exactly once, in key order');
    await expectApiError(core.listNamespacedConfigMap({ namespace: ns, limit: 5, _continue: 'not-a-token' }), 400, 'BadRequest');
  });

  it('tracks generation on spec changes only, and status through its subresource', async () => {
    const created = await apps.createNamespacedDeployment({ namespace: NS, body: makeDeployment('gen') });
    assert.equal(created.metadata?.generation, 1);
    created.metadata!.labels = { touched: 'yes' };
    const relabelled = await apps.replaceNamespacedDeployment({ name: 'gen', namespace: NS, body: created });
    assert.equal(relabelled.metadata?.generation, 1, 'metadata-only change keeps generation');
    relabelled.spec!.replicas = 4;
    // Status written through the main resource is ignored.
    relabelled.status = { replicas: 99 };
    const respec = await apps.replaceNamespacedDeployment({ name: 'gen', namespace: NS, body: relabelled });
    assert.equal(respec.metadata?.generation, 2);
    assert.notEqual(respec.status?.replicas, 99, 'status is not writable through the main resource');

    respec.status = { observedGeneration: 2, replicas: 4, readyReplicas: 4 };
    respec.spec!.replicas = 7;
    const statused = await apps.replaceNamespacedDeploymentStatus({ name: 'gen', namespace: NS, body: respec });
    assert.equal(statused.status?.observedGeneration, 2);
    assert.equal(statused.status?.readyReplicas, 4);
    assert.equal(statused.spec?.replicas, 4, 'spec is not writable through /status');
    assert.equal(statused.metadata?.generation, 2, 'a status write keeps generation');

    const patched = await apps.patchNamespacedDeploymentStatus(
      { name: 'gen', namespace: NS, body: { status: { availableReplicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(patched.status?.availableReplicas, 3);
    assert.equal(patched.status?.readyReplicas, 4);
  });

  it('scales Deployments, ReplicaSets and ReplicationControllers through /scale', async () => {
    await apps.createNamespacedDeployment({ namespace: NS, body: makeDeployment('scaled') });
    const scale = await apps.readNamespacedDeploymentScale({ name: 'scaled', namespace: NS });
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.equal(scale.spec?.replicas, 1);
    assert.equal(scale.status?.selector, 'app=scaled');
    scale.spec!.replicas = 5;
    assert.equal((await apps.replaceNamespacedDeploymentScale({ name: 'scaled', namespace: NS, body: scale })).spec?.replicas, 5);
    const after5 = await apps.readNamespacedDeployment({ name: 'scaled', namespace: NS });
    assert.equal(after5.spec?.replicas, 5);
    assert.equal(after5.metadata?.generation, 2);
    await apps.patchNamespacedDeploymentScale(
      { name: 'scaled', namespace: NS, body: { spec: { replicas: 2 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal((await apps.readNamespacedDeployment({ name: 'scaled', namespace: NS })).spec?.replicas, 2);
    scale.spec!.replicas = -1;
    scale.metadata!.resourceVersion = undefined;
    await expectApiError(apps.replaceNamespacedDeploymentScale({ name: 'scaled', namespace: NS, body: scale }), 422, 'Invalid');

    const rs = kindCases.find((c) => c.kind === 'ReplicaSet')!.make('rs-scaled', NS);
    await apps.createNamespacedReplicaSet({ namespace: NS, body: rs });
    const rsScale = await apps.readNamespacedReplicaSetScale({ name: 'rs-scaled', namespace: NS });
    rsScale.spec!.replicas = 3;
    await apps.replaceNamespacedReplicaSetScale({ name: 'rs-scaled', namespace: NS, body: rsScale });
    assert.equal((await apps.readNamespacedReplicaSet({ name: 'rs-scaled', namespace: NS })).spec?.replicas, 3);

    const rc = kindCases.find((c) => c.kind === 'ReplicationController')!.make('rc-scaled', NS);
    await core.createNamespacedReplicationController({ namespace: NS, body: rc });
    const rcScale = await core.readNamespacedReplicationControllerScale({ name: 'rc-scaled', namespace: NS });
    rcScale.spec!.replicas = 4;
    await core.replaceNamespacedReplicationControllerScale({ name: 'rc-scaled', namespace: NS, body: rcScale });
    assert.equal((await core.readNamespacedReplicationController({ name: 'rc-scaled', namespace: NS })).spec?.replicas, 4);
  });

  it('binds a pod to a node once', async () => {
    await core.createNamespacedPod({ namespace: NS, body: makePod('to-bind') });
    const target = { apiVersion: 'v1', kind: 'Node', name: 'node-7' };
    await core.createNamespacedPodBinding({ name: 'to-bind', namespace: NS, body: { metadata: { name: 'to-bind' }, target } });
    assert.equal((await core.readNamespacedPod({ name: 'to-bind', namespace: NS })).spec?.nodeName, 'node-7');
    await expectApiError(
      core.createNamespacedPodBinding({ name: 'to-bind', namespace: NS, body: { metadata: { name: 'to-bind' }, target: { ...target, name: 'node-8' } } }),
      409,
      'Conflict',
    );
    assert.equal((await core.readNamespacedPod({ name: 'to-bind', namespace: NS })).spec?.nodeName, 'node-7');
  });

  it('holds an object with finalizers until they are removed', async () => {
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'held', finalizers: ['skiff.test/hold'] }, data: { a: '1' } } });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: NS });
    const held = await core.readNamespacedConfigMap({ name: 'held', namespace: NS });
    assert.ok(held.metadata?.deletionTimestamp, 'deletionTimestamp set');
    assert.deepEqual(held.metadata?.finalizers, ['skiff.test/hold']);
    held.metadata!.finalizers = [];
    await core.replaceNamespacedConfigMap({ name: 'held', namespace: NS, body: held });
    await expectApiError(core.readNamespacedConfigMap({ name: 'held', namespace: NS }), 404, 'NotFound');
  });

  it('deletes an unbound pod at once and a bound pod gracefully', async () => {
    await core.createNamespacedPod({ namespace: NS, body: makePod('free') });
    await core.deleteNamespacedPod({ name: 'free', namespace: NS });
    await expectApiError(core.readNamespacedPod({ name: 'free', namespace: NS }), 404, 'NotFound');

    await core.createNamespacedPod({ namespace: NS, body: makePod('bound', { nodeName: 'node-1', terminationGracePeriodSeconds: 45 }) });
    await core.deleteNamespacedPod({ name: 'bound', namespace: NS });
    const terminating = await core.readNamespacedPod({ name: 'bound', namespace: NS });
    assert.ok(terminating.metadata?.deletionTimestamp, 'a bound pod waits for its kubelet');
    assert.equal(terminating.metadata?.deletionGracePeriodSeconds, 45);
    // The kubelet's final delete: grace period 0.
    await core.deleteNamespacedPod({ name: 'bound', namespace: NS, gracePeriodSeconds: 0 });
    await expectApiError(core.readNamespacedPod({ name: 'bound', namespace: NS }), 404, 'NotFound');
  });

  it('refuses new objects in a terminating namespace', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'inside' } } });
    await core.deleteNamespace({ name: 'doomed' });
    const ns = await core.readNamespace({ name: 'doomed' });
    assert.equal(ns.status?.phase, 'Terminating');
    const status = await expectApiError(core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'late' } } }), 403, 'Forbidden');
    assert.match(status.message ?? '', /terminat/i);
  });

  it('allocates unique ClusterIPs and NodePorts and frees them on delete', async () => {
    const svc = (name: string, spec: Record<string, unknown> = {}) => ({
      metadata: { name },
      spec: { type: 'NodePort', selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
    });
    const a = await core.createNamespacedService({ namespace: NS, body: svc('svc-a') });
    const b = await core.createNamespacedService({ namespace: NS, body: svc('svc-b') });
    const ipA = a.spec!.clusterIP!;
    const portA = a.spec!.ports![0].nodePort!;
    assert.match(ipA, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/, 'ClusterIP in 10.96.0.0/12');
    assert.notEqual(ipA, b.spec!.clusterIP);
    assert.notEqual(ipA, '10.96.0.1', 'the kubernetes Service owns the first address');
    assert.ok(portA >= 30000 && portA <= 32767, `nodePort ${portA} in range`);
    assert.notEqual(portA, b.spec!.ports![0].nodePort);

    const clash = svc('svc-clash', { clusterIP: ipA });
    await expectApiError(core.createNamespacedService({ namespace: NS, body: clash }), 422, 'Invalid');
    const portClash = svc('svc-clash', { ports: [{ port: 80, nodePort: portA }] });
    await expectApiError(core.createNamespacedService({ namespace: NS, body: portClash }), 422, 'Invalid');

    await core.deleteNamespacedService({ name: 'svc-a', namespace: NS });
    const reuse = await core.createNamespacedService({ namespace: NS, body: svc('svc-c', { clusterIP: ipA, ports: [{ port: 80, nodePort: portA }] }) });
    assert.equal(reuse.spec?.clusterIP, ipA, 'a freed ClusterIP can be taken again');
    assert.equal(reuse.spec?.ports?.[0].nodePort, portA, 'a freed NodePort can be taken again');
  });

  it('encrypts Secrets at rest and leaves other kinds readable', async () => {
    const plaintext = 'correct-horse-battery-staple';
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'at-rest' }, stringData: { password: plaintext } } });
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'at-rest' }, data: { password: plaintext } } });
    assert.equal(
      Buffer.from((await core.readNamespacedSecret({ name: 'at-rest', namespace: NS })).data!.password, 'base64').toString(),
      plaintext,
      'the API returns the decrypted secret',
    );
    const etcd = new Etcd3({ hosts: cluster.etcd.endpoints });
    try {
      const secret = await etcd.get(`/registry/secrets/${NS}/at-rest`).buffer();
      const configMap = await etcd.get(`/registry/configmaps/${NS}/at-rest`).string();
      assert.ok(configMap?.includes(plaintext), 'sanity: the raw key layout is /registry/<resource>/<ns>/<name>');
      assert.ok(secret && secret.length > 0, 'the secret is stored under its key');
      const raw = secret.toString('latin1');
      assert.ok(!raw.includes(plaintext), 'no plaintext in etcd');
      assert.ok(!raw.includes(Buffer.from(plaintext).toString('base64')), 'no base64 plaintext in etcd');
    } finally {
      etcd.close();
    }
  });
});
