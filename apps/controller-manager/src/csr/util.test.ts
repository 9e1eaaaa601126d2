import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateSigningRequest } from '@skiff/api';
import { whyNotNodeClientCert } from './util.ts';

function csr(spec: Partial<NonNullable<CertificateSigningRequest['spec']>>): CertificateSigningRequest {
  return {
    metadata: { name: 'x' },
    spec: {
      request: '',
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: ['digital signature', 'client auth'],
      username: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:authenticated'],
      ...spec,
    },
  };
}
const node = { commonName: 'system:node:n1', organizations: ['system:nodes'], subjectAltNames: [] };

test('csr: node client certificate requests are recognised', () => {
  assert.equal(whyNotNodeClientCert(csr({}), node), undefined);
  assert.match(whyNotNodeClientCert(csr({ signerName: 'example.com/x' }), node)!, /signer/);
  assert.match(whyNotNodeClientCert(csr({}), { ...node, commonName: 'admin' })!, /common name/);
  assert.match(whyNotNodeClientCert(csr({}), { ...node, organizations: ['system:masters'] })!, /organization/);
  assert.match(whyNotNodeClientCert(csr({}), { ...node, organizations: ['system:nodes', 'system:masters'] })!, /organization/);
  assert.match(whyNotNodeClientCert(csr({}), { ...node, subjectAltNames: ['evil.example'] })!, /subjectAltNames/);
  assert.match(whyNotNodeClientCert(csr({ usages: ['server auth'] }), node)!, /usages/);
});
