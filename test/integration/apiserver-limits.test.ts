/**
 * The apiserver under pressure: mutating requests beyond --max-mutating-requests-inflight are
 * answered 429 TooManyRequests with Retry-After at once while reads, the administrator and later
 * writes keep being served; JSON patches that would amplify themselves are refused in well
 * under a second with the server's memory flat and the object unchanged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { apiRequest, eventually, identityFor, startTestCluster, type ApiResponse, type ApiTarget, type TestCluster } from '../harness/index.ts';

// Ports 20910-20911 (etcd) and 20960 (apiserver) belong to this file (range 20900-20999 with apiserver-audit).
const BASE_PORT = 20910;
const NS = 'limits';
const CM_PATH = `/api/v1/namespaces/${NS}/configmaps`;

const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });

/** A POST whose body is held back: the request occupies its in-flight slot until `finish`. */
function slowPost(target: ApiTarget, path: string, body: string): { finish(): Promise<number> } {
  const url = new URL(path, target.server);
  const req: ClientRequest = request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    ca: target.caCert,
    cert: target.clientCert,
    key: target.clientKey,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
  });
  const answered = new Promise<number>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  return {
    finish() {
      req.end(body.slice(10));
      return answered;
    },
  };
}

async function residentBytes(cluster: TestCluster): Promise<number> {
  const metrics = (await apiRequest(cluster.admin, 'GET', '/metrics', { headers: { accept: 'text/plain' } })).body;
  const m = /^process_resident_memory_bytes(?:\{[^}]*\})? (\S+)$/m.exec(metrics);
  assert.ok(m, 'process_resident_memory_bytes in /metrics');
  return Number(m[1]);
}

describe('apiserver limits', () => {
  let cluster: TestCluster;
  let alice: ApiTarget;

  before(async () => {
    cluster = await startTestCluster({
      basePort: BASE_PORT,
      apiServerPort: BASE_PORT + 50,
      etcdMembers: 1,
      apiServerArgs: ['--max-mutating-requests-inflight=2', '--max-requests-inflight=50'],
    });
    alice = (await identityFor(cluster, 'alice')).target;
    for (const [path, body] of [
      ['/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }],
      [
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'limits-alice' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
        },
      ],
      [CM_PATH, configMap('target')],
    ] as const) {
      const r = await apiRequest(cluster.admin, 'POST', path, { body });
      assert.ok(r.status < 300, `setup ${path}: ${r.status} ${r.body}`);
    }
    await eventually(async () => assert.equal((await apiRequest(alice, 'GET', CM_PATH)).status, 200), 30_000);
  });

  after(() => cluster?.stop());

  it('answers a burst beyond --max-mutating-requests-inflight=2 with 429 and Retry-After, and keeps serving', async () => {
    const held = [slowPost(alice, CM_PATH, JSON.stringify(configMap('slow-0'))), slowPost(alice, CM_PATH, JSON.stringify(configMap('slow-1')))];
    // Both slow requests have reached the server once a third write is refused.
    const first = await eventually(
      async () => {
        const r = await apiRequest(alice, 'POST', CM_PATH, { body: configMap('probe') });
        assert.equal(r.status, 429, r.body);
        return r;
      },
      15_000,
      50,
    );
    assert.equal(first.headers['retry-after'], '1');
    assert.equal(first.json.kind, 'Status');
    assert.equal(first.json.reason, 'TooManyRequests');
    assert.equal(first.json.message, 'Too many requests, please try again later.');

    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => apiRequest(alice, 'POST', CM_PATH, { body: configMap(`burst-${i}`) })));
    assert.deepEqual(
      burst.map((r) => r.status),
      Array(10).fill(429),
    );
    // Reads have their own budget; system:masters is never limited (an administrator can always get in).
    assert.equal((await apiRequest(alice, 'GET', `${CM_PATH}/target`)).status, 200);
    assert.equal((await apiRequest(cluster.admin, 'POST', CM_PATH, { body: configMap('by-admin') })).status, 201);

    assert.deepEqual(await Promise.all(held.map((h) => h.finish())), [201, 201]);
    const after: ApiResponse = await apiRequest(alice, 'POST', CM_PATH, { body: configMap('after-burst') });
    assert.equal(after.status, 201, after.body);
    const metrics = (await apiRequest(cluster.admin, 'GET', '/metrics', { headers: { accept: 'text/plain' } })).body;
    const dropped = /^apiserver_dropped_requests_total\{request_kind="mutating"[^}]*\} (\d+)$/m.exec(metrics);
    assert.ok(dropped && Number(dropped[1]) >= 11, `apiserver_dropped_requests_total: ${dropped?.[0]}`);
  });

  it('refuses a 10,001-operation JSON patch and the copy-doubling patch in under a second, memory flat, object unchanged', async () => {
    const before = (await apiRequest(cluster.admin, 'GET', `${CM_PATH}/target`)).json;
    const rssBefore = await residentBytes(cluster);
    const patch = async (ops: unknown[]) => {
      const started = Date.now();
      const res = await apiRequest(alice, 'PATCH', `${CM_PATH}/target`, {
        body: JSON.stringify(ops),
        headers: { 'content-type': 'application/json-patch+json' },
      });
      return { res, ms: Date.now() - started };
    };
    const many = await patch(Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/data/a', value: '1' })));
    assert.equal(many.res.status, 413, many.res.body);
    assert.equal(many.res.json.message, 'The allowed maximum operations in a JSON patch is 10000, got 10001');
    assert.ok(many.ms < 1000, `10,001 operations refused in ${many.ms} ms`);
    const copies = Array.from({ length: 30 }, (_, i) => ({ op: 'copy', from: '/metadata', path: `/metadata/labels/c${i}` }));
    const bomb = await patch([{ op: 'add', path: '/metadata/labels', value: {} }, ...copies]);
    assert.equal(bomb.res.status, 422, bomb.res.body);
    assert.match(bomb.res.body, /accumulated size increase of copy is \d+, exceeding the limit 3145728/);
    assert.ok(bomb.ms < 1000, `copy doubling refused in ${bomb.ms} ms`);
    const rssAfter = await residentBytes(cluster);
    assert.ok(rssAfter - rssBefore < 100 * 1024 * 1024, `RSS grew by ${Math.round((rssAfter - rssBefore) / 1048576)} MiB`);
    const now = (await apiRequest(cluster.admin, 'GET', `${CM_PATH}/target`)).json;
    assert.equal(now.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.deepEqual(now, before);
  });
});
