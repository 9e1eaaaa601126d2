import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority } from './certificates.ts';
import { createCertificateRequest, parseCertificateRequest, publicKeyPin, signClientCertificateRequest } from './csr.ts';

test('csr: a node CSR is parsed, signed for its own key, and chains to the CA', async () => {
  const ca = await createCertificateAuthority('test-ca', 30);
  const { csr, key } = await createCertificateRequest({ commonName: 'system:node:n1', organizations: ['system:nodes'] });
  assert.deepEqual(await parseCertificateRequest(csr), { commonName: 'system:node:n1', organizations: ['system:nodes'], subjectAltNames: [] });
  const pem = await signClientCertificateRequest(ca, csr, 3600);
  const cert = new X509Certificate(pem);
  assert.ok(cert.checkIssued(new X509Certificate(ca.cert)));
  assert.match(cert.subject, /CN=system:node:n1/);
  assert.match(cert.subject, /O=system:nodes/);
  assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(key)), 'certificate is for the requester key');
  assert.match(publicKeyPin(ca.cert), /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(publicKeyPin(ca.cert), publicKeyPin(pem));
});

test('csr: a tampered request is refused', async () => {
  const ca = await createCertificateAuthority('test-ca', 30);
  const { csr } = await createCertificateRequest({ commonName: 'system:node:n1' });
  const body = csr.split('\n');
  const i = Math.floor(body.length / 2);
  body[i] = body[i]!.slice(0, 10) + (body[i]![10] === 'A' ? 'B' : 'A') + body[i]!.slice(11);
  await assert.rejects(signClientCertificateRequest(ca, body.join('\n'), 3600));
});
