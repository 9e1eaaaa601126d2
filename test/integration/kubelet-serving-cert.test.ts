/**
 * The node channel (issue #20 §3): a kubelet started without a serving certificate asks the
 * certificates API for one (kubernetes.io/kubelet-serving), the controller-manager approves it
 * (its own addresses only) and signs it with the cluster CA, the kubelet serves it, and an
 * apiserver run with --kubelet-certificate-authority reaches its pods' logs; a kubelet serving a
 * self-signed certificate gets them refused; a request naming a foreign address stays pending;
 * a node cannot move its pod range. Ports 21900-21999 (etcd 21900/21901, apiserver 21950,
 * kubelets 21960-21963); Docker objects: skiff.node=ksc-a / ksc-b, networks ksc-a / ksc-b.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { findResource, type CertificateSigningRequest, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { issueClientCertificate } from '@skiff/pki';
import {
  BUSYBOX_IMAGE,
  cleanupNodeContainers,
  eventually,
  startControllerManager,
  startKubelet,
  startTestCluster,
  type ComponentProcess,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const A = 'ksc-a';
const B = 'ksc-b';
const A_PORT = 21960;
const B_PORT = 21962;
const pods = findResource('', 'v1', 'pods')!;
const csrs = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;

let cluster: TestCluster;
let cm: ComponentProcess | undefined;
const kubelets: KubeletProcess[] = [];
let api: RestClient;
let nodeA: { cert: string; key: string };

/** A request to the apiserver with the admin's certificate (or `identity`). */
function call(method: string, path: string, body?: unknown, identity?: { cert: string; key: string }): Promise<{ status: number; body: string }> {
  const url = new URL(path, cluster.server);
  const id = identity ?? { cert: cluster.pki.adminCert, key: cluster.pki.adminKey };
  return new Promise((resolve, reject) => {
    const r = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        ca: cluster.pki.caCert,
        ...id,
        headers: body ? { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    r.on('error', reject);
    r.end(body ? JSON.stringify(body) : undefined);
  });
}

/** The certificate the kubelet at 127.0.0.1:port presents, verified against the cluster CA (or not). */
function servedCertificate(port: number): Promise<{ cert: X509Certificate; authorized: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: cluster.pki.caCert, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.end();
      if (!raw) return reject(new Error('no peer certificate'));
      resolve({ cert: raw, authorized: socket.authorized, ...(socket.authorizationError ? { error: String(socket.authorizationError) } : {}) });
    });
    socket.on('error', reject);
  });
}

/** A serving CSR for node A naming `names`, made by openssl as any kubelet could. */
function servingRequest(names: string[]): string {
  const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  return execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      '/dev/null',
      '-subj',
      `/O=system:nodes/CN=system:node:${A}`,
      '-addext',
      `subjectAltName=${san}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

const conditionsOf = (csr: CertificateSigningRequest) => (csr.status?.conditions ?? []).map((c) => c.type);

async function runPod(name: string, node: string): Promise<void> {
  await api.create(
    pods,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        nodeName: node,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', `echo hello-from-${name}; sleep 3600`] }],
      },
    },
    { namespace: 'default' },
  );
}

describe('kubelet serving certificates through the CSR flow', { timeout: 300_000 }, () => {
  before(async () => {
    await Promise.all([cleanupNodeContainers(A), cleanupNodeContainers(B)]);
    cluster = await startTestCluster({ basePort: 21900, apiServerPort: 21950, etcdMembers: 1, kubeletClientCert: true });
    // The cluster CA exists once the cluster does: the apiserver comes back verifying kubelets with it.
    await cluster.apiServer.stop();
    cluster.apiServer.options.args.push(`--kubelet-certificate-authority=${join(cluster.dir, 'pki', 'ca.crt')}`);
    await cluster.apiServer.start();
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    nodeA = await issueClientCertificate(cluster.pki, `system:node:${A}`, ['system:nodes']);
    cm = await startControllerManager(cluster, {
      name: 'csr-controllers',
      args: [
        `--cluster-signing-cert-file=${join(cluster.dir, 'pki', 'ca.crt')}`,
        `--cluster-signing-key-file=${join(cluster.dir, 'pki', 'ca.key')}`,
        '--controllers=csrapproving,csrsigning,root-ca-cert-publisher',
        // Serving certificates live 16 s, so the kubelet renews them (at 70–90% of their life) while the suite runs.
        '--cluster-signing-duration=16s',
      ],
    });
    const noServingFile = ['--tls-cert-file=', '--tls-private-key-file='];
    kubelets.push(
      await startKubelet({ cluster, nodeName: A, podCidr: '10.219.1.0/24', networkName: A, port: A_PORT, healthzPort: A_PORT + 1, extraArgs: noServingFile }),
    );
    kubelets.push(
      await startKubelet({
        cluster,
        nodeName: B,
        podCidr: '10.219.2.0/24',
        networkName: B,
        port: B_PORT,
        healthzPort: B_PORT + 1,
        extraArgs: [...noServingFile, '--rotate-server-certificates=false'],
      }),
    );
  });

  after(async () => {
    for (const k of kubelets) await k.stop().catch(() => k.kill());
    await Promise.all([cleanupNodeContainers(A), cleanupNodeContainers(B)]);
    await cm?.stop();
    api?.close();
    await cluster?.stop();
  });

  it("the kubelet's request is approved and issued, and the kubelet serves the cluster-CA certificate for its addresses", async () => {
    const csr = await eventually(
      async () => {
        const list = await api.list<CertificateSigningRequest>(csrs);
        const mine = list.items.find((c) => c.spec?.username === `system:node:${A}` && c.spec?.signerName === 'kubernetes.io/kubelet-serving');
        assert.ok(mine?.status?.certificate, `no issued serving CSR for ${A}: ${JSON.stringify(list.items.map((c) => [c.spec?.username, conditionsOf(c)]))}`);
        return mine;
      },
      60_000,
      500,
    );
    assert.deepEqual(conditionsOf(csr), ['Approved']);
    assert.deepEqual([...csr.spec!.usages!].sort(), ['digital signature', 'key encipherment', 'server auth']);
    assert.equal(kubelets.length, 2);
    const served = await eventually(
      async () => {
        const s = await servedCertificate(A_PORT);
        assert.ok(s.authorized, `kubelet ${A} still serves an unverifiable certificate: ${s.error}`);
        return s.cert;
      },
      30_000,
      500,
    );
    assert.equal(served.issuer, new X509Certificate(cluster.pki.caCert).subject);
    assert.equal(served.subject, `O=system:nodes\nCN=system:node:${A}`);
    assert.equal(served.subjectAltName, `IP Address:127.0.0.1, DNS:${A}`);
    const stored = readFileSync(join(kubelets[0]!.rootDir, 'pki', 'kubelet-server-current.pem'), 'utf8');
    assert.equal(new X509Certificate(stored).fingerprint256, served.fingerprint256);
    assert.match(stored, /BEGIN PRIVATE KEY/);
  });

  it('the certificate is renewed before it expires, in place: same kubelet process, a new CSR, a new certificate served', async () => {
    const first = (await servedCertificate(A_PORT)).cert;
    assert.ok(Date.parse(first.validTo) - Date.now() <= 16_000, `lives longer than the signing duration: ${first.validTo}`);
    const pid = kubelets[0]!.pid;
    const renewed = await eventually(
      async () => {
        const s = await servedCertificate(A_PORT);
        assert.notEqual(s.cert.fingerprint256, first.fingerprint256, 'not renewed yet');
        return s;
      },
      60_000,
      1000,
    );
    assert.ok(renewed.authorized, renewed.error);
    assert.ok(Date.parse(renewed.cert.validTo) > Date.parse(first.validTo));
    assert.equal(kubelets[0]!.pid, pid, 'the kubelet was not restarted');
    const issued = (await api.list<CertificateSigningRequest>(csrs)).items.filter((c) => c.spec?.username === `system:node:${A}` && c.status?.certificate);
    assert.ok(issued.length >= 2, `${issued.length} issued requests`);
  });

  it('pods/log reaches the verified kubelet; a kubelet serving a self-signed certificate is refused', async () => {
    await runPod('on-a', A);
    await runPod('on-b', B);
    const log = await eventually(
      async () => {
        const r = await call('GET', '/api/v1/namespaces/default/pods/on-a/log');
        assert.equal(r.status, 200, r.body);
        assert.match(r.body, /hello-from-on-a/);
        return r.body;
      },
      120_000,
      1000,
    );
    assert.match(log, /hello-from-on-a/);
    const self = await servedCertificate(B_PORT);
    assert.equal(self.authorized, false);
    await eventually(async () => (await api.get<Pod>(pods, 'default', 'on-b')).status?.phase === 'Running' || assert.fail('on-b not running'), 120_000, 1000);
    const refused = await call('GET', '/api/v1/namespaces/default/pods/on-b/log');
    assert.equal(refused.status, 503, refused.body);
    assert.match(JSON.parse(refused.body).message, new RegExp(`error trying to reach the kubelet at 127\\.0\\.0\\.1:${B_PORT}: .*certificate`));
  });

  it("a serving request naming an address that is not the node's stays pending", async () => {
    const asNode = new RestClient({ server: cluster.server, caCert: cluster.pki.caCert, clientCert: nodeA.cert, clientKey: nodeA.key, namespace: 'default' });
    try {
      const create = async (name: string, names: string[]) => {
        const csr = servingRequest(names);
        await asNode.create(csrs, {
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { name },
          spec: {
            request: Buffer.from(csr).toString('base64'),
            signerName: 'kubernetes.io/kubelet-serving',
            usages: ['digital signature', 'key encipherment', 'server auth'],
          },
        });
      };
      await create('ksc-foreign', [A, '127.0.0.1', 'kubernetes.default.svc']);
      await create('ksc-own', [A, '127.0.0.1']);
      // The approver takes them in turn: once the good one is approved, the foreign one was looked at too.
      await eventually(
        async () => assert.deepEqual(conditionsOf(await api.get<CertificateSigningRequest>(csrs, undefined, 'ksc-own')), ['Approved']),
        30_000,
        500,
      );
      await new Promise((r) => setTimeout(r, 1000));
      const foreign = await api.get<CertificateSigningRequest>(csrs, undefined, 'ksc-foreign');
      assert.deepEqual(conditionsOf(foreign), []);
      assert.equal(foreign.status?.certificate, undefined);
    } finally {
      asNode.close();
    }
  });

  it('a node cannot move its pod range', async () => {
    const moved = await call('PATCH', `/api/v1/nodes/${A}`, { spec: { podCIDR: '10.0.0.0/8', podCIDRs: ['10.0.0.0/8'] } }, nodeA);
    assert.equal(moved.status, 422, moved.body);
    assert.equal(
      JSON.parse(moved.body).message,
      `Node "${A}" is invalid: spec.podCIDR: Forbidden: node updates may not change podCIDR except from "" to valid`,
    );
  });
});
