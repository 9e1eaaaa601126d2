/**
 * Crashes: the apiserver killed and restarted, one etcd member lost (the cluster keeps
 * serving), two lost (requests fail fast with a 5xx Status instead of hanging) and back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { apiRequest, eventually, startTestCluster, type TestCluster } from '../harness/index.ts';

// Ports 22700-22705 (etcd) and 22800 (apiserver) belong to this file.
const BASE_PORT = 22700;
const NS = 'res';
const ETCD_REQUEST_TIMEOUT_MS = 2000;
// Generous slack over the request timeout for TLS, retries inside one attempt, and a slow CI box.
const FAIL_FAST_BOUND_MS = ETCD_REQUEST_TIMEOUT_MS + 4000;

describe('resilience', () => {
  let cluster: TestCluster;
  let core: CoreV1Api;
  const cmPath = `/api/v1/namespaces/${NS}/configmaps`;
  const postConfigMap = (name: string) =>
    apiRequest(cluster.admin, 'POST', cmPath, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { name } }, timeoutMs: 30_000 });

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdRequestTimeoutMs: ETCD_REQUEST_TIMEOUT_MS });
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });
  after(() => cluster?.stop());

  it('loses nothing when the apiserver is killed and restarted', async () => {
    const written = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const cm = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: `pre-${i}` }, data: { i: String(i) } } });
      written.set(cm.metadata!.name!, cm.metadata!.resourceVersion!);
    }
    await cluster.killApiServer();
    assert.equal(cluster.apiServer.running, false);
    await cluster.startApiServer();
    const list = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: '' });
    const found = new Map(list.items.map((cm) => [cm.metadata!.name!, cm.metadata!.resourceVersion!]));
    for (const [name, rv] of written) assert.equal(found.get(name), rv, `${name} survived with its resourceVersion`);
    const after = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'post-restart' } } });
    assert.ok(Number(after.metadata!.resourceVersion) > Math.max(...[...written.values()].map(Number)));
  });

  it('keeps serving reads and writes with one etcd member down', async () => {
    await cluster.etcd.members[0].kill();
    // The etcd client may need one failed attempt to move off the dead member. That attempt can
    // time out after etcd committed it, so a retry may find the object there: 409 AlreadyExists then
    // means an earlier attempt landed (the list below counts it).
    await eventually(async () => {
      const res = await postConfigMap('one-down-0');
      assert.ok(res.status === 201 || (res.status === 409 && res.json?.reason === 'AlreadyExists'), `${res.status}: ${res.body.slice(0, 300)}`);
    }, 15_000);
    for (let i = 1; i <= 20; i++) {
      const res = await postConfigMap(`one-down-${i}`);
      assert.equal(res.status, 201, `write ${i} with one member down: ${res.body.slice(0, 300)}`);
    }
    const list = await apiRequest(cluster.admin, 'GET', cmPath);
    assert.equal(list.status, 200);
    assert.equal(list.json.items.filter((cm: any) => cm.metadata.name.startsWith('one-down-')).length, 21);
    const ready = await apiRequest(cluster.anonymous, 'GET', '/readyz');
    assert.equal(ready.status, 200, 'still ready with a quorum');
  });

  it('fails fast with a 5xx Status when quorum is lost, and recovers when it returns', async () => {
    await cluster.etcd.members[0].kill();
    await cluster.etcd.members[1].kill();

    const timed = async (call: () => Promise<{ status: number; json: any; body: string }>) => {
      const started = Date.now();
      const res = await call();
      return { res, elapsed: Date.now() - started };
    };
    for (const [what, call] of [
      ['write', () => postConfigMap('no-quorum')],
      ['quorum read', () => apiRequest(cluster.admin, 'GET', `${cmPath}/pre-1`, { timeoutMs: 30_000 })],
      ['list', () => apiRequest(cluster.admin, 'GET', cmPath, { timeoutMs: 30_000 })],
    ] as const) {
      const { res, elapsed } = await timed(call);
      assert.ok(res.status >= 500 && res.status <= 504, `${what} without quorum: want 5xx, got ${res.status} ${res.body.slice(0, 300)}`);
      assert.equal(res.json?.kind, 'Status', `${what}: the error is a Status`);
      assert.ok(elapsed < FAIL_FAST_BOUND_MS, `${what} answered in ${elapsed} ms (bound ${FAIL_FAST_BOUND_MS} ms)`);
    }
    await eventually(async () => assert.notEqual((await apiRequest(cluster.anonymous, 'GET', '/readyz')).status, 200), 15_000);
    assert.equal((await apiRequest(cluster.anonymous, 'GET', '/livez')).status, 200, 'alive while etcd is away');

    await Promise.all([cluster.etcd.members[0].start(), cluster.etcd.members[1].start()]);
    await eventually(async () => assert.equal((await postConfigMap('quorum-back')).status, 201), 30_000);
    await eventually(async () => assert.equal((await apiRequest(cluster.anonymous, 'GET', '/readyz')).status, 200), 15_000);
    const pre = await core.readNamespacedConfigMap({ name: 'pre-1', namespace: NS });
    assert.equal(pre.data?.i, '1', 'data written before the outage is intact');
  });
});
