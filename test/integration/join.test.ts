/**
 * TLS bootstrap as a user runs it: `./skiff token create` on the control plane, then
 * `./skiff join --bootstrap-only` on a "new machine" (its own SKIFF_HOME) gets a node client
 * certificate through a CertificateSigningRequest that the controller-manager approves and
 * signs. Wrong and expired tokens get 401 and no certificate.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource, type CertificateSigningRequest, type Secret } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { publicKeyPin } from '@skiff/pki';
import { createCertificateRequest } from '@skiff/pki';
import {
  apiRequest,
  eventually,
  kubectl,
  kubectlBinaries,
  REPO_ROOT,
  startControllerManager,
  startTestCluster,
  type ComponentProcess,
  type TestCluster,
} from '../harness/index.ts';

// The suite's range is 27900–27999; the harness puts the apiserver at basePort+100 (28000).
const BASE_PORT = 27900;
const NODE_NAME = 'k8-join-node';
const csrs = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
const secrets = findResource('', 'v1', 'secrets')!;

function skiff(home: string, args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'apps/skiff/src/main.ts'), ...args], {
    env: { ...process.env, SKIFF_HOME: home },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('skiff token create + skiff join (TLS bootstrap)', { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let cm: ComponentProcess;
  let admin: RestClient;
  let controlHome: string;
  const homes: string[] = [];
  const newHome = (): string => {
    const home = mkdtempSync(join(tmpdir(), 'k8-join-'));
    homes.push(home);
    return home;
  };

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1 });
    cm = await startControllerManager(cluster, {
      args: [
        `--cluster-signing-cert-file=${join(cluster.dir, 'pki', 'ca.crt')}`,
        `--cluster-signing-key-file=${join(cluster.dir, 'pki', 'ca.key')}`,
        '--controllers=csrapproving,csrsigning',
      ],
    });
    admin = RestClient.fromKubeconfig(cluster.kubeconfigPath);
    // The control plane's SKIFF_HOME, as `./skiff up` leaves it: admin kubeconfig and CA.
    controlHome = newHome();
    copyFileSync(cluster.kubeconfigPath, join(controlHome, 'kubeconfig'));
    mkdirSync(join(controlHome, 'pki'));
    copyFileSync(join(cluster.dir, 'pki', 'ca.crt'), join(controlHome, 'pki', 'ca.crt'));
  });

  after(async () => {
    admin?.close();
    await cm?.stop().catch(() => undefined);
    await cluster?.stop();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  function createToken(ttl = '1h'): { token: string; pin: string } {
    const r = skiff(controlHome, ['token', 'create', '--ttl', ttl, '--server', cluster.server]);
    assert.equal(r.code, 0, r.out);
    const token = /^([a-z0-9]{6}\.[a-z0-9]{16})$/m.exec(r.out)?.[1];
    const pin = /ca-cert-hash: (sha256:[0-9a-f]{64})/.exec(r.out)?.[1];
    assert.ok(token && pin, `token create printed a token and a CA hash:\n${r.out}`);
    assert.match(r.out, new RegExp(`./skiff join ${cluster.server} --token ${token} --ca-cert-hash ${pin}`));
    return { token, pin };
  }

  it('token create writes a bootstrap token Secret and prints the CA pin', async () => {
    const { token, pin } = createToken('24h');
    assert.equal(pin, publicKeyPin(cluster.pki.caCert));
    const [id] = token.split('.');
    const secret = await admin.get<Secret>(secrets, 'kube-system', `bootstrap-token-${id}`);
    assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
    const data = (k: string) => Buffer.from(secret.data![k]!, 'base64').toString();
    assert.equal(data('token-id'), id);
    assert.equal(data('usage-bootstrap-authentication'), 'true');
    assert.equal(data('auth-extra-groups'), 'system:bootstrappers:skiff:default-node-token');
    assert.ok(Date.parse(data('expiration')) > Date.now() + 23 * 3600_000, 'expires in about 24h');
  });

  it('a valid token is good for a certificate request and nothing else: 403 on Secrets and pods', async () => {
    const { token } = createToken('1h');
    const target = { server: cluster.server, caCert: cluster.pki.caCert, token };
    const secretsRes = await apiRequest(target, 'GET', '/api/v1/namespaces/kube-system/secrets');
    assert.equal(secretsRes.status, 403);
    const podRes = await apiRequest(target, 'POST', '/api/v1/namespaces/default/pods', {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'k8-sneaky' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    });
    assert.equal(podRes.status, 403);
    const csrs = await apiRequest(target, 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests');
    assert.equal(csrs.status, 200);
  });

  it('join obtains a node certificate that works as system:node:<name>', async () => {
    const { token, pin } = createToken();
    const home = newHome();
    const r = skiff(home, ['join', cluster.server, '--token', token, '--ca-cert-hash', pin, '--node-name', NODE_NAME, '--bootstrap-only']);
    assert.equal(r.code, 0, r.out);
    const kubeconfig = join(home, 'kubeconfigs', 'kubelet.kubeconfig');
    const config = loadKubeconfig(kubeconfig);
    const cert = new X509Certificate(config.clientCert!);
    assert.match(cert.subject, new RegExp(`CN=system:node:${NODE_NAME}`));
    assert.match(cert.subject, /O=system:nodes/);
    assert.ok(cert.checkIssued(new X509Certificate(cluster.pki.caCert)), 'signed by the cluster CA');
    // The node's identity now reaches the API with no token at all.
    const res = await apiRequest(
      { server: cluster.server, caCert: config.caCert!, clientCert: config.clientCert!, clientKey: config.clientKey! },
      'GET',
      '/api/v1/nodes',
    );
    assert.equal(res.status, 200, res.body);
    const list = await admin.list<CertificateSigningRequest>(csrs);
    const mine = list.items.find((c) => c.spec?.username === `system:bootstrap:${token.split('.')[0]}`);
    assert.ok(mine, 'the CSR records the bootstrap user as its requester');
    assert.ok(mine.spec?.groups?.includes('system:bootstrappers'));
    assert.ok(mine.status?.conditions?.some((c) => c.type === 'Approved'));
  });

  it('a wrong token is refused: 401 and no certificate', async () => {
    const { token, pin } = createToken();
    const [id] = token.split('.');
    const wrong = `${id}.${'0123456789abcdef'}`;
    const res = await apiRequest({ server: cluster.server, caCert: cluster.pki.caCert, token: wrong }, 'GET', '/api/v1/nodes');
    assert.equal(res.status, 401);
    const before = (await admin.list(csrs)).items.length;
    const post = await apiRequest(
      { server: cluster.server, caCert: cluster.pki.caCert, token: wrong },
      'POST',
      '/apis/certificates.k8s.io/v1/certificatesigningrequests',
      {
        body: {
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { name: 'k8-wrong' },
          spec: { request: 'eA==', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['client auth'] },
        },
      },
    );
    assert.equal(post.status, 401);
    const home = newHome();
    const r = skiff(home, ['join', cluster.server, '--token', wrong, '--ca-cert-hash', pin, '--node-name', 'k8-wrong-node', '--bootstrap-only']);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /signature does not match the token/);
    assert.equal(existsSync(join(home, 'kubeconfigs', 'kubelet.kubeconfig')), false, 'no node kubeconfig written');
    assert.equal((await admin.list(csrs)).items.length, before, 'no CSR was created');
  });

  it('an expired token is refused: 401 and no certificate', async () => {
    const { token, pin } = createToken('1s');
    // Expiration has one-second resolution: wait until it is surely past.
    await new Promise((r) => setTimeout(r, 2500));
    const res = await apiRequest({ server: cluster.server, caCert: cluster.pki.caCert, token }, 'GET', '/api/v1/nodes');
    assert.equal(res.status, 401);
    const before = (await admin.list(csrs)).items.length;
    const home = newHome();
    const r = skiff(home, ['join', cluster.server, '--token', token, '--ca-cert-hash', pin, '--node-name', 'k8-expired-node', '--bootstrap-only']);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /Unauthorized|401/);
    assert.equal(existsSync(join(home, 'kubeconfigs', 'kubelet.kubeconfig')), false, 'no node kubeconfig written');
    assert.equal((await admin.list(csrs)).items.length, before, 'no CSR was created');
  });

  it('a wrong CA pin stops the join before the token is used', async () => {
    const { token } = createToken();
    const home = newHome();
    const r = skiff(home, ['join', cluster.server, '--token', token, '--ca-cert-hash', `sha256:${'0'.repeat(64)}`, '--bootstrap-only']);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /CA's hash is sha256:[0-9a-f]{64}, not the expected/);
  });

  it('other requests wait for a human: kubectl get csr, kubectl certificate approve', async () => {
    const { csr } = await createCertificateRequest({ commonName: 'k8-alice', organizations: ['k8-devs'] });
    await admin.create<CertificateSigningRequest>(csrs, {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'k8-alice' },
      spec: { request: Buffer.from(csr).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'client auth'] },
    });
    for (const bin of await kubectlBinaries()) {
      const got = await kubectl(bin, ['get', 'csr', 'k8-alice'], { kubeconfig: cluster.kubeconfigPath });
      assert.equal(got.code, 0, `${bin.name}: ${got.stderr}`);
      assert.match(got.stdout, /k8-alice/);
    }
    // Not a node request: the approver leaves it alone, so nothing is issued.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await admin.get<CertificateSigningRequest>(csrs, undefined, 'k8-alice')).status?.certificate, undefined);
    const [bin] = await kubectlBinaries();
    const approve = await kubectl(bin!, ['certificate', 'approve', 'k8-alice'], { kubeconfig: cluster.kubeconfigPath });
    assert.equal(approve.code, 0, approve.stderr);
    await eventually(
      async () => {
        const cur = await admin.get<CertificateSigningRequest>(csrs, undefined, 'k8-alice');
        assert.ok(cur.status?.conditions?.some((c) => c.type === 'Approved'));
        assert.match(Buffer.from(cur.status?.certificate ?? '', 'base64').toString(), /BEGIN CERTIFICATE/);
      },
      60_000,
      500,
    );
  });

  it('only cluster-info is readable without credentials', async () => {
    const anon = { server: cluster.server, caCert: cluster.pki.caCert };
    assert.equal((await apiRequest(anon, 'GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info')).status, 200);
    assert.equal((await apiRequest(anon, 'GET', '/api/v1/namespaces/kube-public/configmaps')).status, 401);
    assert.equal((await apiRequest(anon, 'GET', '/api/v1/namespaces/kube-system/secrets')).status, 401);
  });
});
