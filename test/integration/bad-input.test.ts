/**
 * Hostile and broken requests: each gets the Kubernetes status code and reason, leaves the
 * store exactly as it was, and leaves the server serving.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiRequest, startTestCluster, type ApiResponse, type TestCluster } from '../harness/index.ts';

// Ports 22850-22855 (etcd) and 22950 (apiserver) belong to this file.
const BASE_PORT = 22850;
const NS = 'bad';
const CM_PATH = `/api/v1/namespaces/${NS}/configmaps`;
const DEPLOY_PATH = `/apis/apps/v1/namespaces/${NS}/deployments`;

const deployment = (name: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'registry.local/web:1' }] } },
  },
});

const BILLION_LAUGHS = `apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
data:
  x: *i
`;

describe('bad input', () => {
  let cluster: TestCluster;
  let snapshot: () => Promise<string>;

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1 });
    const admin = cluster.admin;
    const ok = async (res: Promise<ApiResponse>) => {
      const r = await res;
      assert.ok(r.status < 300, `setup: ${r.status} ${r.body.slice(0, 300)}`);
      return r;
    };
    await ok(apiRequest(admin, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } }));
    await ok(apiRequest(admin, 'POST', CM_PATH, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'existing' }, data: { a: '1' } } }));
    await ok(apiRequest(admin, 'POST', DEPLOY_PATH, { body: deployment('web') }));
    // Names and resourceVersions of everything in the namespace: any write changes this.
    snapshot = async () => {
      const lists = await Promise.all([CM_PATH, DEPLOY_PATH, `/api/v1/namespaces/${NS}/secrets`].map((p) => ok(apiRequest(admin, 'GET', p))));
      return JSON.stringify(lists.map((l) => l.json.items.map((o: any) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort()));
    };
  });
  after(() => cluster?.stop());

  /** Sends the request, checks code + reason, and that the store and the server are unharmed. */
  async function expectRejected(
    send: () => Promise<ApiResponse>,
    code: number | number[],
    reason: string | string[],
    causeField?: string,
  ): Promise<ApiResponse> {
    const before = await snapshot();
    const res = await send();
    const codes = [code].flat();
    assert.ok(codes.includes(res.status), `want HTTP ${codes.join('/')}, got ${res.status}: ${res.body.slice(0, 400)}`);
    assert.equal(res.json?.kind, 'Status', `a Status body: ${res.body.slice(0, 400)}`);
    assert.equal(res.json.status, 'Failure');
    assert.equal(res.json.code, res.status);
    assert.ok([reason].flat().includes(res.json.reason), `want reason ${[reason].flat().join('/')}, got ${res.json.reason}`);
    if (causeField) {
      const fields = (res.json.details?.causes ?? []).map((c: { field?: string }) => c.field);
      assert.ok(fields.includes(causeField), `want a cause for ${causeField}, got ${JSON.stringify(res.json.details)}`);
    }
    assert.equal(await snapshot(), before, 'the store is unchanged');
    const ready = await apiRequest(cluster.anonymous, 'GET', '/readyz');
    assert.equal(ready.status, 200, 'the server still serves');
    return res;
  }

  it('rejects malformed JSON with 400', async () => {
    await expectRejected(
      () => apiRequest(cluster.admin, 'POST', CM_PATH, { body: '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {' }),
      400,
      'BadRequest',
    );
  });

  it('rejects malformed YAML with 400', async () => {
    const body = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n data: {\n';
    await expectRejected(() => apiRequest(cluster.admin, 'POST', CM_PATH, { body, headers: { 'content-type': 'application/yaml' } }), 400, 'BadRequest');
  });

  it('refuses a YAML alias bomb quickly', async () => {
    const started = Date.now();
    await expectRejected(
      () => apiRequest(cluster.admin, 'POST', CM_PATH, { body: BILLION_LAUGHS, headers: { 'content-type': 'application/yaml' }, timeoutMs: 20_000 }),
      [400, 413],
      ['BadRequest', 'RequestEntityTooLarge'],
    );
    assert.ok(Date.now() - started < 10_000, 'no exponential expansion');
  });

  it('refuses a body over the size limit with 413', async () => {
    const big = 'x'.repeat(3.5 * 1024 * 1024);
    await expectRejected(
      () => apiRequest(cluster.admin, 'POST', CM_PATH, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { big } } }),
      413,
      'RequestEntityTooLarge',
    );
  });

  it('refuses an invalid name with 422 and a metadata.name cause', async () => {
    await expectRejected(
      () => apiRequest(cluster.admin, 'POST', CM_PATH, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_A_Valid_Name!' } } }),
      422,
      'Invalid',
      'metadata.name',
    );
  });

  it('answers 404 for an unknown resource and 400 for a mismatched kind', async () => {
    await expectRejected(
      () => apiRequest(cluster.admin, 'POST', `/api/v1/namespaces/${NS}/widgets`, { body: { apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w' } } }),
      404,
      'NotFound',
    );
    await expectRejected(() => apiRequest(cluster.admin, 'GET', '/apis/widgets.example.com/v1/widgets'), 404, 'NotFound');
    await expectRejected(
      () => apiRequest(cluster.admin, 'POST', CM_PATH, { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mismatch' } } }),
      400,
      'BadRequest',
    );
  });

  it('refuses an unknown field under strict field validation with 400', async () => {
    const res = await expectRejected(
      () =>
        apiRequest(cluster.admin, 'POST', `${CM_PATH}?fieldValidation=Strict`, {
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict' }, dataa: { a: '1' } },
        }),
      400,
      'BadRequest',
    );
    assert.match(res.json.message, /strict decoding error: unknown field "dataa"/);
  });

  it("refuses JSON patches past Kubernetes' limits quickly: 10,001 operations (413), a copy bomb (422)", async () => {
    const jsonPatch = (ops: unknown[]) => () =>
      apiRequest(cluster.admin, 'PATCH', `${CM_PATH}/existing`, {
        body: JSON.stringify(ops),
        headers: { 'content-type': 'application/json-patch+json' },
      });
    const started = Date.now();
    const many = await expectRejected(
      jsonPatch(Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/data/a', value: '1' }))),
      413,
      'RequestEntityTooLarge',
    );
    assert.equal(many.json.message, 'The allowed maximum operations in a JSON patch is 10000, got 10001');
    // Each copy doubles metadata: 2^30 times the object if the copy budget did not stop it.
    const copies = Array.from({ length: 30 }, (_, i) => ({ op: 'copy', from: '/metadata', path: `/metadata/labels/c${i}` }));
    const bomb = await expectRejected(jsonPatch([{ op: 'add', path: '/metadata/labels', value: {} }, ...copies]), 422, 'Invalid');
    assert.match(bomb.body, /accumulated size increase of copy is \d+, exceeding the limit 3145728/);
    assert.ok(Date.now() - started < 5_000, `refused in ${Date.now() - started} ms`);
  });

  it('refuses a negative replica count with 422 and a spec.replicas cause', async () => {
    await expectRejected(() => apiRequest(cluster.admin, 'POST', DEPLOY_PATH, { body: deployment('negative', -1) }), 422, 'Invalid', 'spec.replicas');
  });

  it('refuses a change to an immutable field with 422', async () => {
    const current = (await apiRequest(cluster.admin, 'GET', `${DEPLOY_PATH}/web`)).json;
    const changed = structuredClone(current);
    changed.spec.selector = { matchLabels: { app: 'other' } };
    changed.spec.template.metadata.labels = { app: 'other' };
    await expectRejected(() => apiRequest(cluster.admin, 'PUT', `${DEPLOY_PATH}/web`, { body: changed }), 422, 'Invalid', 'spec.selector');
  });

  it('answers 401 to requests without valid credentials', async () => {
    await expectRejected(() => apiRequest(cluster.anonymous, 'GET', CM_PATH), 401, 'Unauthorized');
    await expectRejected(() => apiRequest({ ...cluster.anonymous, token: 'wrong-token' }, 'GET', CM_PATH), 401, 'Unauthorized');
    await expectRejected(
      () => apiRequest(cluster.anonymous, 'POST', CM_PATH, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'anon' } } }),
      401,
      'Unauthorized',
    );
    const withToken = await apiRequest({ ...cluster.anonymous, token: cluster.token }, 'GET', CM_PATH);
    assert.equal(withToken.status, 200, 'the token from the token file works');
    assert.equal((await apiRequest(cluster.anonymous, 'GET', '/healthz')).status, 200, '/healthz needs no credentials');
    assert.equal((await apiRequest(cluster.anonymous, 'GET', '/version')).status, 200, '/version needs no credentials');
  });
});
