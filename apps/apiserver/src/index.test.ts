/**
 * The whole apiserver in-process against a real etcd member: TLS, authentication,
 * discovery, CRUD with Kubernetes status codes, Tables, watch streams and metrics.
 * kubectl compatibility is covered by http/kubectl.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { startTestApiServer, type TestApiServer } from './http/testing/test-api-server.ts';

let api: TestApiServer;
before(async () => {
  api = await startTestApiServer({ etcdBase: 21200, api: 21251 }, ['--max-request-bytes=65536']);
});
after(async () => {
  await api?.stop();
});

const table = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

function configMap(name: string, data: Record<string, string> = { a: '1' }): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
}

test('probes and /version answer without credentials; the API needs them', async () => {
  for (const path of ['/healthz', '/livez', '/readyz']) {
    const res = await api.request(path, { auth: 'anonymous' });
    assert.equal(res.status, 200, path);
    assert.equal(res.text, 'ok');
  }
  const verbose = await api.request('/readyz?verbose', { auth: 'anonymous' });
  assert.match(verbose.text, /\[\+\]etcd ok/);
  assert.equal((await api.request('/version', { auth: 'anonymous' })).json().gitVersion, 'v1.30.0+skiff');
  for (const path of ['/api', '/api/v1/namespaces', '/metrics']) {
    const res = await api.request(path, { auth: 'anonymous' });
    assert.equal(res.status, 401, path);
    assert.equal(res.json().reason, 'Unauthorized');
  }
  assert.equal((await api.request('/api', { auth: { token: 'wrong' } })).status, 401);
  assert.equal((await api.request('/api', { auth: { token: api.token } })).status, 200);
});

test('discovery lists groups, resources and subresources', async () => {
  const versions = (await api.request('/api')).json();
  assert.deepEqual(versions.versions, ['v1']);
  const groups = (await api.request('/apis')).json();
  assert.ok(groups.groups.some((g: { name: string }) => g.name === 'apps'));
  const apps = (await api.request('/apis/apps/v1')).json();
  const scale = apps.resources.find((r: { name: string }) => r.name === 'deployments/scale');
  assert.deepEqual([scale.group, scale.version, scale.kind], ['autoscaling', 'v1', 'Scale']);
  const core = (await api.request('/api/v1')).json();
  assert.ok(core.resources.some((r: { name: string; kind: string }) => r.name === 'pods/binding' && r.kind === 'Binding'));
  assert.equal((await api.request('/apis/nope.io/v1')).status, 404);
});

test('bootstrap made the built-in namespaces and the kubernetes Service', async () => {
  const names = (await api.request('/api/v1/namespaces')).json().items.map((n: { metadata: { name: string } }) => n.metadata.name);
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.ok(names.includes(ns), ns);
  const svc = await api.request('/api/v1/namespaces/default/services/kubernetes');
  assert.equal(svc.status, 200);
  assert.equal(svc.json().spec.clusterIP, '10.96.0.1');
});

test('create, get, conflict, update, delete with Kubernetes status codes', async () => {
  const base = '/api/v1/namespaces/default/configmaps';
  const json = { 'content-type': 'application/json' };
  const created = await api.request(base, { method: 'POST', body: configMap('cm1'), headers: json });
  assert.equal(created.status, 201, created.text);
  const again = await api.request(base, { method: 'POST', body: configMap('cm1'), headers: json });
  assert.equal(again.status, 409);
  assert.equal(again.json().reason, 'AlreadyExists');
  const yaml = await api.request(base, {
    method: 'POST',
    body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm2\ndata:\n  b: "2"\n',
    headers: { 'content-type': 'application/yaml' },
  });
  assert.equal(yaml.status, 201, yaml.text);
  const got = (await api.request(`${base}/cm1`)).json();
  assert.equal(got.data.a, '1');
  const updated = await api.request(`${base}/cm1`, { method: 'PUT', body: JSON.stringify({ ...got, data: { a: '2' } }), headers: json });
  assert.equal(updated.status, 200, updated.text);
  const stale = await api.request(`${base}/cm1`, { method: 'PUT', body: JSON.stringify({ ...got, data: { a: '3' } }), headers: json });
  assert.equal(stale.status, 409);
  const patched = await api.request(`${base}/cm1`, {
    method: 'PATCH',
    body: '{"data":{"c":"3"}}',
    headers: { 'content-type': 'application/merge-patch+json' },
  });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual(patched.json().data, { a: '2', c: '3' });
  const deleted = await api.request(`${base}/cm2`, { method: 'DELETE' });
  assert.equal(deleted.status, 200, deleted.text);
  assert.equal((await api.request(`${base}/cm2`)).status, 404);
});

test('bad requests are Status objects, never crashes', async () => {
  const base = '/api/v1/namespaces/default/configmaps';
  const malformed = await api.request(base, { method: 'POST', body: '{"kind":', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.status, 400);
  assert.match(malformed.json().message, /json parse error/);
  const tooBig = await api.request(base, {
    method: 'POST',
    body: configMap('big', { x: 'y'.repeat(70_000) }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(tooBig.status, 413);
  assert.equal(tooBig.json().reason, 'RequestEntityTooLarge');
  const media = await api.request(`${base}/cm1`, { method: 'PATCH', body: '{}', headers: { 'content-type': 'text/plain' } });
  assert.equal(media.status, 415);
  const limit = await api.request(`${base}?limit=abc`);
  assert.equal(limit.status, 400);
  const unknown = await api.request('/api/v1/namespaces/default/widgets');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json().message, 'the server could not find the requested resource');
  assert.equal((await api.request('/api/v1/namespaces/default/nodes/x')).status, 404);
  assert.equal((await api.request('/api/v1/pods/x')).status, 404);
  assert.equal((await api.request('/api/v1/namespaces/default/configmaps/cm1/status')).status, 404);
  assert.equal((await api.request('/api/v1/namespaces/default/pods', { method: 'PUT', body: '{}' })).status, 405);
  assert.equal((await api.request('/readyz', { auth: 'anonymous' })).status, 200);
});

test('lists answer as Tables when asked', async () => {
  const res = await api.request('/api/v1/namespaces', { headers: { accept: table } });
  assert.equal(res.status, 200);
  const t = res.json();
  assert.equal(t.kind, 'Table');
  assert.deepEqual(
    t.columnDefinitions.map((c: { name: string }) => c.name),
    ['Name', 'Status', 'Age'],
  );
  const row = t.rows.find((r: { cells: string[] }) => r.cells[0] === 'default');
  assert.equal(row.cells[1], 'Active');
  assert.equal(row.object.kind, 'PartialObjectMetadata');
  assert.ok(t.metadata.resourceVersion);
});

/** Opens a watch and collects events until `stopWhen` is satisfied or the stream ends. */
function watch(path: string, stopWhen: (events: any[]) => boolean, headers: Record<string, string> = {}): { events: Promise<any[]>; status: Promise<number> } {
  let setStatus!: (s: number) => void;
  const status = new Promise<number>((r) => {
    setStatus = r;
  });
  const events = new Promise<any[]>((resolve, reject) => {
    const req = httpsRequest(new URL(path, api.url), { headers, ca: api.pki.caCert, cert: api.pki.adminCert, key: api.pki.adminKey, agent: false }, (res) => {
      setStatus(res.statusCode ?? 0);
      const got: any[] = [];
      let buf = '';
      res.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          got.push(JSON.parse(buf.slice(0, nl)));
          buf = buf.slice(nl + 1);
        }
        if (stopWhen(got)) {
          res.destroy();
          resolve(got);
        }
      });
      res.on('end', () => resolve(got));
      res.on('close', () => resolve(got));
    });
    req.on('error', reject);
    req.end();
  });
  return { events, status };
}

test('watch streams events line by line and ends at timeoutSeconds', async () => {
  const base = '/api/v1/namespaces/default/configmaps';
  const rv = (await api.request(base)).json().metadata.resourceVersion;
  const w = watch(`${base}?watch=true&resourceVersion=${rv}`, (evs) => evs.some((e) => e.object?.metadata?.name === 'watched'));
  assert.equal(await w.status, 200);
  await api.request(base, { method: 'POST', body: configMap('watched'), headers: { 'content-type': 'application/json' } });
  const events = await w.events;
  const added = events.find((e) => e.object?.metadata?.name === 'watched');
  assert.equal(added.type, 'ADDED');

  const started = Date.now();
  const timed = watch(`${base}?watch=1&timeoutSeconds=1&resourceVersion=${rv}`, () => false);
  await timed.events;
  assert.ok(Date.now() - started < 5000, 'watch ended at its timeout');

  const tableWatch = watch(`${base}?watch=true&resourceVersion=${rv}`, (evs) => evs.length > 0, { accept: table });
  const [first] = await tableWatch.events;
  assert.equal(first.type, 'ADDED');
  assert.equal(first.object.kind, 'Table');
  assert.equal(first.object.rows.length, 1);
  assert.equal(first.object.rows[0].cells[0], 'watched');
});

test('metrics count requests by verb, resource and code', async () => {
  const res = await api.request('/metrics');
  assert.equal(res.status, 200);
  assert.match(res.text, /apiserver_request_total\{verb="POST",resource="configmaps",code="201"/);
  assert.match(res.text, /apiserver_request_duration_seconds_bucket\{/);
  assert.match(res.text, /apiserver_current_inflight_requests/);
});
