/** kubelet-serving requests: which are approved (the node's own addresses only), what the signer issues. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { CertificateSigningRequest, Node } from '@skiff/api';
import { createCertificateAuthority, parseCertificateRequest } from '@skiff/pki';
import { signServingRequest, whyNotApprovedServing, whyNotKubeletServingRequest } from './kubelet-serving.ts';

async function servingCsr(cn: string, names: string[], spec: Partial<NonNullable<CertificateSigningRequest['spec']>> = {}) {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const req = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ O: ['system:nodes'] }, { CN: [cn] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: /^[\d.]+$/.test(n) ? ('ip' as const) : ('dns' as const), value: n })))],
  });
  const pem = req.toString('pem');
  const csr: CertificateSigningRequest = {
    metadata: { name: 'csr-1' },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: 'kubernetes.io/kubelet-serving',
      usages: ['digital signature', 'key encipherment', 'server auth'],
      username: 'system:node:n1',
      groups: ['system:nodes', 'system:authenticated'],
      ...spec,
    },
  };
  return { csr, pem, parsed: await parseCertificateRequest(pem) };
}

const node: Node = {
  metadata: { name: 'n1' },
  status: {
    addresses: [
      { type: 'InternalIP', address: '10.0.0.5' },
      { type: 'Hostname', address: 'n1' },
    ],
  },
};

test('kubelet-serving: approved only for the node asking for its own reported addresses', async () => {
  const own = await servingCsr('system:node:n1', ['n1', '10.0.0.5']);
  assert.equal(whyNotApprovedServing(own.csr, own.parsed, node), undefined);
  const foreign = await servingCsr('system:node:n1', ['n1', 'apiserver.example']);
  assert.equal(whyNotApprovedServing(foreign.csr, foreign.parsed, node), 'subjectAltNames [apiserver.example] are not addresses of node n1');
  const other = await servingCsr('system:node:n2', ['n1']);
  assert.equal(whyNotApprovedServing(other.csr, other.parsed, node), 'requester system:node:n1 is not system:node:n2');
  assert.equal(whyNotApprovedServing(own.csr, own.parsed, undefined), 'node n1 is not registered');
  const client = await servingCsr('system:node:n1', ['n1'], { usages: ['digital signature', 'client auth', 'server auth'] });
  assert.equal(whyNotKubeletServingRequest(client.csr, client.parsed), 'usages did not match [digital signature key encipherment server auth]');
  const none = await servingCsr('system:node:n1', []);
  assert.equal(whyNotKubeletServingRequest(none.csr, none.parsed), 'DNS or IP subjectAltName is required');
});

test("kubelet-serving: the signer issues a server-auth certificate with the request's names, capped by the lifetime", async () => {
  const ca = await createCertificateAuthority('test-ca', 1);
  const { pem } = await servingCsr('system:node:n1', ['n1', '10.0.0.5']);
  const cert = new X509Certificate(await signServingRequest(ca, pem, 3600));
  assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:n1');
  assert.equal(cert.subjectAltName, 'DNS:n1, IP Address:10.0.0.5');
  assert.ok(cert.checkIssued(new X509Certificate(ca.cert)));
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  const life = Date.parse(cert.validTo) - Date.now();
  assert.ok(life <= 3600_000 && life > 3500_000, `life ${life}`);
});
