import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createCertificateAuthority, parseCertificateRequest, signClientCertificateRequest } from '@skiff/pki';
import { createLogger } from '@skiff/log';
import { createNodeRequest, parsePairPem, retryDelay } from './certificate-manager.ts';
import { ClientCertificateManager, KUBELET_CLIENT_CURRENT, KUBELET_CLIENT_USAGES } from './client-certificate.ts';

const logger = createLogger('test', 'silent');

test('the client request: system:node:<name> in system:nodes, no subjectAltNames, client usages without key encipherment (ECDSA key)', async () => {
  const { csr, key } = await createNodeRequest('n1');
  assert.deepEqual(await parseCertificateRequest(csr), { commonName: 'system:node:n1', organizations: ['system:nodes'], subjectAltNames: [] });
  assert.equal(new x509.Pkcs10CertificateRequest(csr).publicKey.algorithm.name, 'ECDSA');
  assert.match(key, /BEGIN PRIVATE KEY/);
  assert.deepEqual(KUBELET_CLIENT_USAGES, ['digital signature', 'client auth']);
});

test('failed attempts back off: 2 s doubling up to a minute', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map(retryDelay), [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
});

test("a kept pair is read back whatever its key's PEM label", () => {
  const cert = '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n';
  const key = '-----BEGIN EC PRIVATE KEY-----\nBB==\n-----END EC PRIVATE KEY-----\n';
  assert.deepEqual(parsePairPem(cert + key), { cert, key });
  assert.equal(parsePairPem(cert), undefined);
  assert.equal(parsePairPem(undefined), undefined);
});

/** A kept pair and a kubeconfig pair for node n1, the kept one signed by `keptBy`. */
async function startWithKeptPair(keptBy: 'cluster CA' | 'another CA') {
  const dir = mkdtempSync(join(tmpdir(), 'client-cert-'));
  const ca = await createCertificateAuthority('ca', 1);
  const other = await createCertificateAuthority('old-ca', 1);
  const issue = async (by = ca) => {
    const { csr, key } = await createNodeRequest('n1');
    return { cert: await signClientCertificateRequest(by, csr, 3600), key };
  };
  const fromKubeconfig = await issue();
  const kept = await issue(keptBy === 'cluster CA' ? ca : other);
  mkdirSync(join(dir, 'pki'));
  writeFileSync(join(dir, 'pki', KUBELET_CLIENT_CURRENT), kept.cert + kept.key, { mode: 0o600 });
  const presented: string[] = [];
  const client = {
    config: { server: 'https://x', namespace: 'default', caCert: ca.cert, clientCert: fromKubeconfig.cert, clientKey: fromKubeconfig.key },
    setClientCertificate: (cert: string) => {
      presented.push(cert);
    },
    create: () => assert.fail('no request before the deadline'),
    get: () => assert.fail('no request before the deadline'),
  };
  const manager = new ClientCertificateManager({ client, nodeName: 'n1', rootDir: dir, logger });
  await manager.load();
  return { dir, manager, presented, kept, fromKubeconfig };
}

test("at start the kept kubelet-client-current.pem wins over the kubeconfig's certificate, and the client presents it", async () => {
  const { dir, manager, presented, kept } = await startWithKeptPair('cluster CA');
  try {
    assert.deepEqual(presented, [kept.cert]);
    assert.equal(manager.current?.cert, kept.cert);
    assert.equal(statSync(manager.path).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a kept pair another CA signed (a cluster made anew) is passed over for the kubeconfig's", async () => {
  const { dir, manager, presented, fromKubeconfig } = await startWithKeptPair('another CA');
  try {
    assert.deepEqual(presented, []);
    const serial = (pem: string | undefined) => (pem ? new X509Certificate(pem).serialNumber : undefined);
    assert.equal(serial(manager.current?.cert), serial(fromKubeconfig.cert));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
