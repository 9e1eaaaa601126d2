/**
 * The audit log as an operator reads it: audit.k8s.io/v1 Event lines naming who did what to
 * which object and how it ended, no secret value whatever the policy asks, a user the policy
 * silences absent, and the file rotated by size into lumberjack-named backups.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, eventually, identityFor, startTestCluster, type ApiTarget, type TestCluster } from '../harness/index.ts';

// Ports 20900-20901 (etcd) and 20950 (apiserver) belong to this file (range 20900-20999 with apiserver-limits).
const BASE_PORT = 20900;
const NS = 'audited';
const SECRET_VALUE = 'hunter2-very-secret-value';

// Everything at RequestResponse, one user silenced: the cap on secrets must hold against this.
const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  users: ["quiet"]
- level: RequestResponse
`;

interface Event {
  kind: string;
  apiVersion: string;
  level: string;
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string; groups: string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: Record<string, string>;
  responseStatus?: { code: number; reason?: string };
  requestObject?: any;
  responseObject?: any;
  annotations?: Record<string, string>;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

describe('apiserver audit log', () => {
  let cluster: TestCluster;
  let alice: ApiTarget;
  let quiet: ApiTarget;
  const auditDir = mkdtempSync(join(tmpdir(), 'skiff-audit-'));
  const auditLog = join(auditDir, 'audit.log');
  const allText = () =>
    readdirSync(auditDir)
      .filter((f) => f.startsWith('audit'))
      .map((f) => readFileSync(join(auditDir, f), 'utf8'))
      .join('');
  const events = (): Event[] =>
    allText()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Event);

  before(async () => {
    writeFileSync(join(auditDir, 'policy.yaml'), POLICY);
    cluster = await startTestCluster({
      basePort: BASE_PORT,
      apiServerPort: BASE_PORT + 50,
      etcdMembers: 1,
      apiServerArgs: [
        `--audit-log-path=${auditLog}`,
        `--audit-policy-file=${join(auditDir, 'policy.yaml')}`,
        '--audit-log-maxsize=1',
        '--audit-log-maxbackup=2',
      ],
    });
    alice = (await identityFor(cluster, 'alice', ['devs'])).target;
    quiet = (await identityFor(cluster, 'quiet')).target;
    const admin = cluster.admin;
    for (const [path, body] of [
      ['/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }],
      [
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'audit-test-admins' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [
            { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
            { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'quiet' },
          ],
        },
      ],
    ] as const) {
      const r = await apiRequest(admin, 'POST', path, { body });
      assert.ok(r.status < 300, `setup ${path}: ${r.status} ${r.body}`);
    }
    // RBAC answers from a watched cache: wait until alice is allowed.
    await eventually(async () => assert.equal((await apiRequest(alice, 'GET', `/api/v1/namespaces/${NS}/configmaps`)).status, 200), 30_000);
  });

  after(async () => {
    await cluster?.stop();
    rmSync(auditDir, { recursive: true, force: true });
  });

  it('records a create by a named user with its stages, objectRef, response code and body, under the Audit-Id it answered', async () => {
    const res = await apiRequest(alice, 'POST', `/api/v1/namespaces/${NS}/configmaps`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { colour: 'blue' } },
      headers: { 'user-agent': 'audit-test/1.0' },
    });
    assert.equal(res.status, 201, res.body);
    const auditID = res.headers['audit-id'] as string;
    assert.match(auditID, /^[0-9a-f-]{36}$/);
    const mine = await eventually(async () => {
      const found = events().filter((e) => e.auditID === auditID);
      assert.equal(found.length, 2, 'RequestReceived and ResponseComplete');
      return found;
    });
    assert.deepEqual(
      mine.map((e) => e.stage),
      ['RequestReceived', 'ResponseComplete'],
    );
    const done = mine[1]!;
    assert.equal(done.kind, 'Event');
    assert.equal(done.apiVersion, 'audit.k8s.io/v1');
    assert.equal(done.level, 'RequestResponse');
    assert.equal(done.verb, 'create');
    assert.equal(done.requestURI, `/api/v1/namespaces/${NS}/configmaps`);
    assert.equal(done.user.username, 'alice');
    assert.ok(done.user.groups.includes('devs') && done.user.groups.includes('system:authenticated'), JSON.stringify(done.user));
    assert.deepEqual(done.sourceIPs, ['127.0.0.1']);
    assert.equal(done.userAgent, 'audit-test/1.0');
    assert.deepEqual(done.objectRef, { resource: 'configmaps', namespace: NS, name: 'cm1', apiVersion: 'v1' });
    assert.equal(done.responseStatus?.code, 201);
    assert.equal(done.requestObject?.data?.colour, 'blue');
    assert.equal(done.responseObject?.metadata?.name, 'cm1');
    assert.equal(done.annotations?.['authorization.k8s.io/decision'], 'allow');
    assert.ok(done.stageTimestamp >= done.requestReceivedTimestamp);
    assert.match(done.stageTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('never writes a secret value, even under a RequestResponse policy: Secrets are capped at Metadata', async () => {
    const encoded = Buffer.from(SECRET_VALUE).toString('base64');
    const created = await apiRequest(alice, 'POST', `/api/v1/namespaces/${NS}/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, stringData: { password: SECRET_VALUE } },
    });
    assert.equal(created.status, 201, created.body);
    const read = await apiRequest(alice, 'GET', `/api/v1/namespaces/${NS}/secrets/s1`);
    assert.equal(read.json.data.password, encoded);
    const ids = [created.headers['audit-id'], read.headers['audit-id']];
    const mine = await eventually(async () => {
      const found = events().filter((e) => ids.includes(e.auditID) && e.stage === 'ResponseComplete');
      assert.equal(found.length, 2);
      return found;
    });
    for (const e of mine) {
      assert.equal(e.level, 'Metadata');
      assert.equal(e.objectRef?.name, 's1');
      assert.equal(e.requestObject, undefined);
      assert.equal(e.responseObject, undefined);
    }
    assert.deepEqual(
      mine.map((e) => [e.verb, e.responseStatus?.code]),
      [
        ['create', 201],
        ['get', 200],
      ],
    );
    const text = allText();
    assert.ok(!text.includes(SECRET_VALUE) && !text.includes(encoded), 'the secret value is in the audit log');
  });

  it('records refusals: a bad token as system:anonymous with 401, a forbidden read with its reason', async () => {
    const unauthorized = await apiRequest({ server: cluster.server, caCert: cluster.pki.caCert, token: 'not-a-token' }, 'GET', '/api/v1/namespaces');
    assert.equal(unauthorized.status, 401);
    const nobody = (await identityFor(cluster, 'nobody')).target;
    const forbidden = await apiRequest(nobody, 'GET', `/api/v1/namespaces/${NS}/pods`);
    assert.equal(forbidden.status, 403);
    const [e401, e403] = await eventually(async () => {
      const find = (id: unknown) => events().find((e) => e.auditID === id && e.stage === 'ResponseComplete');
      const found = [find(unauthorized.headers['audit-id']), find(forbidden.headers['audit-id'])];
      assert.ok(found[0] && found[1]);
      return found as Event[];
    });
    assert.equal(e401!.user.username, 'system:anonymous');
    assert.deepEqual(e401!.responseStatus, { metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    assert.equal(e403!.user.username, 'nobody');
    assert.equal(e403!.responseStatus?.reason, 'Forbidden');
    assert.equal(e403!.annotations?.['authorization.k8s.io/decision'], 'forbid');
  });

  it('records a watch as ResponseStarted when it starts streaming, then ResponseComplete when it ends', async () => {
    const res = await apiRequest(alice, 'GET', `/api/v1/namespaces/${NS}/configmaps?watch=true&timeoutSeconds=1`, { timeoutMs: 15_000 });
    assert.equal(res.status, 200);
    const stages = await eventually(async () => {
      const found = events().filter((e) => e.auditID === res.headers['audit-id']);
      assert.equal(found.length, 3, JSON.stringify(found.map((e) => e.stage)));
      return found;
    });
    assert.deepEqual(
      stages.map((e) => [e.stage, e.verb]),
      [
        ['RequestReceived', 'watch'],
        ['ResponseStarted', 'watch'],
        ['ResponseComplete', 'watch'],
      ],
    );
    assert.equal(stages[2]!.responseObject, undefined, 'a stream is not copied into the event');
  });

  it("carries PodSecurity's audit annotations: the enforce policy, and the audit level's violations on pods let in or refused", async () => {
    const ns = 'audited-psa';
    const labels = { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted' };
    const made = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    });
    assert.equal(made.status, 201, made.body);
    // The pod's service account may not exist yet (no controller-manager here): made by hand.
    const sa = await apiRequest(cluster.admin, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts`, {
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } },
    });
    assert.ok(sa.status === 201 || sa.status === 409, sa.body);
    const pod = (name: string, extra: Record<string, unknown> = {}) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { automountServiceAccountToken: false, containers: [{ name: 'main', image: 'busybox' }], ...extra },
    });
    const admitted = await apiRequest(alice, 'POST', `/api/v1/namespaces/${ns}/pods`, { body: pod('plain') });
    assert.equal(admitted.status, 201, admitted.body);
    const refused = await apiRequest(alice, 'POST', `/api/v1/namespaces/${ns}/pods`, {
      body: pod('rooted', { volumes: [{ name: 'root', hostPath: { path: '/' } }] }),
    });
    assert.equal(refused.status, 403, refused.body);
    const [ok, denied] = await eventually(async () => {
      const find = (id: unknown) => events().find((e) => e.auditID === id && e.stage === 'ResponseComplete');
      const found = [find(admitted.headers['audit-id']), find(refused.headers['audit-id'])];
      assert.ok(found[0] && found[1]);
      return found as Event[];
    });
    assert.equal(ok!.annotations?.['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
    assert.match(
      ok!.annotations?.['pod-security.kubernetes.io/audit-violations'] ?? '',
      /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "main" must set securityContext\.allowPrivilegeEscalation=false\)/,
    );
    assert.equal(ok!.annotations?.['authorization.k8s.io/decision'], 'allow');
    assert.equal(denied!.responseStatus?.code, 403);
    assert.equal(denied!.annotations?.['pod-security.kubernetes.io/enforce-policy'], 'baseline:latest');
    assert.match(
      denied!.annotations?.['pod-security.kubernetes.io/audit-violations'] ?? '',
      /^would violate PodSecurity "restricted:latest": .*restricted volume types \(volume "root" uses restricted volume type "hostPath"\)/,
    );
    // The first stage was written before admission ran: it has no PodSecurity annotation.
    const received = events().find((e) => e.auditID === admitted.headers['audit-id'] && e.stage === 'RequestReceived');
    assert.equal(received?.annotations?.['pod-security.kubernetes.io/enforce-policy'], undefined);
  });

  it('leaves out a user the policy gives None', async () => {
    const res = await apiRequest(quiet, 'POST', `/api/v1/namespaces/${NS}/configmaps`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-quiet' } },
    });
    assert.equal(res.status, 201, res.body);
    // A later request by alice is written after quiet's would have been: the writer keeps order.
    const marker = await apiRequest(alice, 'GET', `/api/v1/namespaces/${NS}/configmaps/cm1`);
    await eventually(async () => assert.ok(events().some((e) => e.auditID === marker.headers['audit-id'])));
    assert.ok(!events().some((e) => e.user.username === 'quiet' || e.objectRef?.name === 'from-quiet'));
  });

  it('rotates by size into at most maxbackup audit-<timestamp>.log files, the live file 0600', async () => {
    const big = 'x'.repeat(300 * 1024);
    for (let i = 0; i < 8; i++) {
      // Each create logs the 300 KB twice (request and response): 8 of them are ~5 MB, 1 MB a file.
      const r = await apiRequest(alice, 'POST', `/api/v1/namespaces/${NS}/configmaps`, {
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}` }, data: { big } },
      });
      assert.equal(r.status, 201, r.body);
    }
    await eventually(async () => {
      const backups = readdirSync(auditDir).filter((f) => /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/.test(f));
      assert.equal(backups.length, 2, readdirSync(auditDir).join(' '));
      for (const f of [...backups, 'audit.log']) assert.ok(statSync(join(auditDir, f)).size <= 1024 * 1024, `${f} over 1 MB`);
    });
    assert.equal(statSync(auditLog).mode & 0o777, 0o600);
  });
});
