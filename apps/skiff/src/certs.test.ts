import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, ensureClusterPki, issueCertificate, issueClientCertificate, renderKubeconfig, writeKubeconfig } from '@skiff/pki';
import { runCerts } from './certs.ts';

const home = mkdtempSync(join(tmpdir(), 'skiff-certs-'));
const env = { SKIFF_HOME: home };

/** Runs `skiff certs ...` against `home`, with what it printed. */
async function certs(...args: string[]): Promise<{ code: number; lines: string[]; errors: string[] }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await runCerts(
    args,
    env,
    (line) => lines.push(line),
    (line) => errors.push(line),
  );
  return { code, lines, errors };
}
const rowOf = (lines: string[], source: string) => lines.find((l) => l.startsWith(`${source} `));

before(async () => {
  const ca = await createCertificateAuthority('skiff-ca', 3650);
  const apiserver = await issueCertificate(ca, { commonName: 'kube-apiserver', hosts: ['127.0.0.1'], usage: 'server', validityDays: 365 });
  const admin = await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client', validityDays: 12 });
  mkdirSync(join(home, 'pki', 'etcd'), { recursive: true });
  writeFileSync(join(home, 'pki', 'ca.crt'), ca.cert);
  writeFileSync(join(home, 'pki', 'ca.key'), ca.key);
  writeFileSync(join(home, 'pki', 'apiserver.crt'), apiserver.cert);
  writeFileSync(join(home, 'pki', 'etcd', 'bundle.pem'), ca.cert + apiserver.cert);
  writeFileSync(
    join(home, 'kubeconfig'),
    renderKubeconfig({ server: 'https://127.0.0.1:6443', caCert: ca.cert, clientCert: admin.cert, clientKey: admin.key }),
  );
  const kubelet = await issueCertificate(ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'client', validityDays: 300 });
  mkdirSync(join(home, 'lab', 'nodes', 'n1', 'kubelet', 'pki'), { recursive: true });
  writeFileSync(join(home, 'lab', 'nodes', 'n1', 'kubelet', 'pki', 'kubelet-client-current.pem'), kubelet.cert + kubelet.key);
});

after(() => rmSync(home, { recursive: true, force: true }));

it("lists every certificate with subject, issuer, expiry and days left, a bundle's one by one, and warns under 30 days", async () => {
  const { code, lines } = await certs('check');
  assert.equal(code, 0, lines.join('\n'));
  assert.match(lines[0]!, /^CERTIFICATE\s+SUBJECT CN\s+ISSUER CN\s+EXPIRES\s+DAYS LEFT$/);
  assert.match(rowOf(lines, 'pki/ca.crt')!, /^pki\/ca\.crt\s+skiff-ca\s+skiff-ca\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+3649$/);
  assert.match(rowOf(lines, 'pki/apiserver.crt')!, /kube-apiserver\s+skiff-ca\s+.*UTC\s+364$/);
  assert.match(rowOf(lines, 'pki/etcd/bundle.pem#1')!, /skiff-ca\s+skiff-ca/);
  assert.match(rowOf(lines, 'pki/etcd/bundle.pem#2')!, /kube-apiserver\s+skiff-ca/);
  assert.match(rowOf(lines, 'kubeconfig')!, /^kubeconfig\s+admin\s+skiff-ca\s+.*UTC\s+11  WARNING: expires in under 30 days$/);
  assert.match(rowOf(lines, 'lab/nodes/n1/kubelet/pki/kubelet-client-current.pem')!, /system:node:n1\s+skiff-ca/);
  assert.ok(!lines.some((l) => l.includes('ca.key')), 'a key is not a certificate');
  assert.equal(lines.length, 1 + 6 + 2);
  assert.match(lines.at(-1)!, /^nearest expiry: kubeconfig on \d{4}-\d\d-\d\d \d\d:\d\d UTC \(11 days left, WARNING\)$/);
});

it('exits 1 and says so when a certificate has expired', async () => {
  const ca = await createCertificateAuthority('old-ca', 3650);
  const old = await issueCertificate(ca, { commonName: 'front-proxy-client', usage: 'client', validityDays: -2 });
  writeFileSync(join(home, 'pki', 'front-proxy-client.crt'), old.cert);
  try {
    const { code, lines } = await certs('check');
    assert.equal(code, 1);
    assert.match(rowOf(lines, 'pki/front-proxy-client.crt')!, /front-proxy-client\s+old-ca\s+.*UTC\s+EXPIRED$/);
    assert.match(lines.at(-2)!, /^nearest expiry: pki\/front-proxy-client\.crt on .* \(EXPIRED\)$/);
    assert.equal(lines.at(-1), '1 certificate has expired: components that use it cannot connect');
  } finally {
    rmSync(join(home, 'pki', 'front-proxy-client.crt'));
  }
});

it('prints its usage for --help, and refuses what it does not know', async () => {
  const help = await certs('--help');
  assert.equal(help.code, 0);
  assert.match(help.lines[0]!, /^usage: \.\/skiff certs check/);
  const missing = await certs();
  assert.equal(missing.code, 2);
  assert.match(missing.errors[0]!, /^skiff certs: missing subcommand\n\nusage: /);
  const renew = await certs('renew');
  assert.equal(renew.code, 2);
  assert.match(renew.errors[0]!, /^skiff certs: unexpected arguments: renew/);
  assert.equal((await certs('check', 'extra')).code, 2);
});

it('says so when there is nothing to check', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'skiff-certs-empty-'));
  try {
    const lines: string[] = [];
    assert.equal(await runCerts(['check'], { SKIFF_HOME: empty }, (l) => lines.push(l)), 0);
    assert.deepEqual(lines, [`no certificates under ${empty} (./skiff up makes them)`]);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

it("rotate renews every leaf and the components' kubeconfigs but the kubelet's, and says what it renewed", async () => {
  const rotateHome = mkdtempSync(join(tmpdir(), 'skiff-certs-rotate-'));
  try {
    const pki = await ensureClusterPki(join(rotateHome, 'pki'), { apiServerHosts: ['127.0.0.1'] });
    const before = readFileSync(join(rotateHome, 'pki', 'apiserver.crt'), 'utf8');
    for (const [name, cn] of [
      ['scheduler', 'system:kube-scheduler'],
      ['kubelet', 'system:node:n1'],
    ] as const) {
      const pair = await issueClientCertificate(pki, cn, []);
      await writeKubeconfig(join(rotateHome, 'kubeconfigs', `${name}.kubeconfig`), {
        server: 'https://127.0.0.1:6443',
        caCert: pki.caCert,
        clientCert: pair.cert,
        clientKey: pair.key,
        userName: cn,
      });
    }
    const kubelet = readFileSync(join(rotateHome, 'kubeconfigs', 'kubelet.kubeconfig'), 'utf8');
    const lines: string[] = [];
    assert.equal(await runCerts(['rotate'], { SKIFF_HOME: rotateHome }, (l) => lines.push(l)), 0);
    assert.ok(
      lines.some((l) => l.startsWith('renewed pki/apiserver.crt (CN=kube-apiserver)')),
      lines.join('\n'),
    );
    assert.ok(lines.some((l) => l.startsWith('renewed pki/admin.crt')));
    assert.ok(lines.some((l) => l.includes('scheduler.kubeconfig (user system:kube-scheduler)')));
    assert.ok(!lines.some((l) => l.includes('kubelet.kubeconfig')), 'the kubelet renews its own');
    assert.match(lines.at(-1)!, /^3 certificates renewed/);
    assert.notEqual(readFileSync(join(rotateHome, 'pki', 'apiserver.crt'), 'utf8'), before);
    assert.equal(readFileSync(join(rotateHome, 'kubeconfigs', 'kubelet.kubeconfig'), 'utf8'), kubelet);
  } finally {
    rmSync(rotateHome, { recursive: true, force: true });
  }
});
