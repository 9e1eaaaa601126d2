import { it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { backdateMs, createCertificateAuthority, issueCertificate } from './certificates.ts';
import { ensureClusterPki, issueClientCertificate } from './cluster-pki.ts';
import { ensureEtcdPki } from './etcd-pki.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { isRenewalDue, reissueLeaf, renewCertificates } from './renewal.ts';

const DAY_MS = 86_400_000;
const life = (pem: string) => {
  const c = new X509Certificate(pem);
  return { notBefore: new Date(c.validFrom).getTime(), notAfter: new Date(c.validTo).getTime() };
};

it('backdates five minutes, or a tenth of a short life', async () => {
  assert.equal(backdateMs(365 * DAY_MS), 5 * 60_000);
  assert.equal(backdateMs(120_000), 12_000);
  const ca = await createCertificateAuthority('test-ca', 1);
  const leaf = await issueCertificate(ca, { commonName: 'x', usage: 'client', validityDays: 120 / 86_400 });
  const { notBefore, notAfter } = life(leaf.cert);
  // X.509 times have one-second precision.
  assert.ok(notAfter - notBefore <= 133_000 && notAfter - notBefore >= 130_000, `life ${notAfter - notBefore} ms`);
  assert.equal(isRenewalDue(leaf.cert), false, 'a fresh 2-minute certificate is not due');
});

it('a leaf is due once two thirds of its life have passed', async () => {
  const ca = await createCertificateAuthority('test-ca', 1);
  const leaf = await issueCertificate(ca, { commonName: 'x', usage: 'client', validityDays: 30 });
  const { notBefore, notAfter } = life(leaf.cert);
  const twoThirds = notBefore + ((notAfter - notBefore) * 2) / 3;
  assert.equal(isRenewalDue(leaf.cert, twoThirds - 60_000), false);
  assert.equal(isRenewalDue(leaf.cert, twoThirds + 60_000), true);
});

it('reissues with the same subject, SANs and usages, a new key and serial', async () => {
  const ca = await createCertificateAuthority('test-ca', 1);
  const old = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    organizations: ['o1'],
    hosts: ['kubernetes', '10.96.0.1', '::1'],
    usage: 'server-and-client',
    validityDays: 1,
  });
  const fresh = await reissueLeaf(ca, old.cert, 2);
  const [a, b] = [new X509Certificate(old.cert), new X509Certificate(fresh.cert)];
  assert.equal(b.subject, a.subject);
  assert.equal(b.subjectAltName, a.subjectAltName);
  assert.deepEqual(b.keyUsage, a.keyUsage);
  assert.notEqual(b.serialNumber, a.serialNumber);
  assert.notEqual(b.publicKey.export({ type: 'spki', format: 'pem' }), a.publicKey.export({ type: 'spki', format: 'pem' }));
  assert.ok(b.checkIssued(new X509Certificate(ca.cert)));
});

it('renews due leaves of every CA in the pki dir and kubeconfigs, atomically, and only those', async () => {
  const home = mkdtempSync(join(tmpdir(), 'skiff-renew-'));
  const pkiDir = join(home, 'pki');
  try {
    const pki = await ensureClusterPki(pkiDir, { apiServerHosts: ['127.0.0.1'] });
    await ensureEtcdPki(pkiDir, { hosts: ['127.0.0.1'] });
    const kubeconfig = join(home, 'kubeconfigs', 'scheduler.kubeconfig');
    const pair = await issueClientCertificate(pki, 'system:kube-scheduler', []);
    await writeKubeconfig(kubeconfig, {
      server: 'https://127.0.0.1:6443',
      caCert: pki.caCert,
      clientCert: pair.cert,
      clientKey: pair.key,
      userName: 'system:kube-scheduler',
    });
    const before = readFileSync(join(pkiDir, 'etcd', 'server.crt'), 'utf8');

    assert.deepEqual(await renewCertificates({ pkiDir, kubeconfigs: [kubeconfig] }), [], 'nothing due yet');
    const renewed = await renewCertificates({ pkiDir, kubeconfigs: [kubeconfig], now: Date.now() + 300 * DAY_MS });
    const sources = renewed.map((r) => r.source).sort();
    for (const want of [
      'pki/apiserver.crt',
      'pki/admin.crt',
      'pki/apiserver-etcd-client.crt',
      'pki/etcd/server.crt',
      'pki/etcd/peer.crt',
      'pki/etcd/healthcheck-client.crt',
    ]) {
      assert.ok(sources.includes(want), `${want} renewed (got ${sources.join(', ')})`);
    }
    assert.ok(sources.includes(`${kubeconfig} (user system:kube-scheduler)`));
    assert.ok(!sources.some((s) => s.endsWith('ca.crt')), 'CAs are not leaves');

    const after = readFileSync(join(pkiDir, 'etcd', 'server.crt'), 'utf8');
    assert.notEqual(after, before);
    assert.equal(new X509Certificate(after).subjectAltName, new X509Certificate(before).subjectAltName);
    assert.ok(new X509Certificate(after).checkIssued(new X509Certificate(readFileSync(join(pkiDir, 'etcd', 'ca.crt')))), 'signed by the etcd CA');
    assert.equal(statSync(join(pkiDir, 'etcd', 'server.key')).mode & 0o777, 0o600);
    assert.deepEqual(
      readdirSync(join(pkiDir, 'etcd')).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary files left',
    );

    const user = (parse(readFileSync(kubeconfig, 'utf8')) as { users: Array<{ user: Record<string, string> }> }).users[0]!.user;
    const cert = Buffer.from(user['client-certificate-data']!, 'base64').toString();
    assert.notEqual(cert, pair.cert);
    assert.equal(new X509Certificate(cert).subject, 'CN=system:kube-scheduler');
    assert.equal(statSync(kubeconfig).mode & 0o777, 0o600);

    const forced = await renewCertificates({ pkiDir, kubeconfigs: [kubeconfig], force: true });
    assert.equal(forced.length, renewed.length, 'force renews every leaf');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
