import { it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClusterPki } from './cluster-pki.ts';
import { ensureEtcdPki } from './etcd-pki.ts';

const read = (path: string) => new X509Certificate(readFileSync(path));

it('lays out a separate etcd CA and its certificates as kubeadm does, idempotently', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-etcd-pki-'));
  try {
    await ensureClusterPki(dir, { apiServerHosts: ['127.0.0.1'] });
    const files = await ensureEtcdPki(dir, { hosts: ['10.1.2.3', 'node-a'] });
    assert.equal(files.caCert, join(dir, 'etcd', 'ca.crt'));
    assert.equal(files.apiServerClientCert, join(dir, 'apiserver-etcd-client.crt'));
    assert.equal(statSync(files.caKey).mode & 0o777, 0o600);
    const etcdCa = read(files.caCert);
    const clusterCa = read(join(dir, 'ca.crt'));
    assert.equal(etcdCa.subject, 'CN=etcd-ca');
    assert.notEqual(etcdCa.fingerprint256, clusterCa.fingerprint256);
    for (const name of ['serverCert', 'peerCert', 'apiServerClientCert', 'healthcheckClientCert'] as const) {
      const cert = read(files[name]);
      assert.ok(cert.checkIssued(etcdCa) && cert.verify(etcdCa.publicKey), `${name} signed by the etcd CA`);
      assert.equal(cert.checkIssued(clusterCa), false, `${name} not by the cluster CA`);
    }
    for (const name of ['serverCert', 'peerCert'] as const) {
      const cert = read(files[name]);
      for (const ip of ['127.0.0.1', '::1', '10.1.2.3']) assert.ok(cert.checkIP(ip), `${name} for ${ip}`);
      assert.ok(cert.checkHost('localhost') && cert.checkHost('node-a'));
      assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'], `${name}: server and client auth`);
    }
    const apiClient = read(files.apiServerClientCert);
    assert.match(apiClient.subject, /CN=kube-apiserver-etcd-client/);
    assert.deepEqual(apiClient.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.match(read(files.healthcheckClientCert).subject, /CN=kube-etcd-healthcheck-client/);

    // A second run keeps everything; a new host address reissues only the member certificates.
    const before = Object.fromEntries(Object.entries(files).map(([k, p]) => [k, readFileSync(p, 'utf8')]));
    await ensureEtcdPki(dir, { hosts: ['10.1.2.3', 'node-a'] });
    for (const [k, p] of Object.entries(files)) assert.equal(readFileSync(p, 'utf8'), before[k], `${k} kept`);
    await ensureEtcdPki(dir, { hosts: ['10.9.9.9'] });
    assert.equal(readFileSync(files.caCert, 'utf8'), before.caCert);
    assert.equal(readFileSync(files.apiServerClientCert, 'utf8'), before.apiServerClientCert);
    assert.notEqual(readFileSync(files.serverCert, 'utf8'), before.serverCert);
    assert.ok(read(files.serverCert).checkIP('10.9.9.9'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
