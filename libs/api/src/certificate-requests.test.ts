import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namesMasters, whyNotKubeletClientRequest, type CertificateRequestIdentity } from './certificate-requests.ts';

const node: CertificateRequestIdentity = { commonName: 'system:node:n1', organizations: ['system:nodes'], subjectAltNames: [] };

test('kubelet client requests: exactly system:node:<name> in [system:nodes], client usages, no SANs', () => {
  assert.equal(whyNotKubeletClientRequest(node, ['digital signature', 'client auth']), undefined);
  assert.equal(whyNotKubeletClientRequest(node, ['client auth', 'key encipherment', 'digital signature']), undefined);
  const table: [Partial<typeof node>, string[], string][] = [
    [{ organizations: ['system:nodes', 'system:masters'] }, ['digital signature', 'client auth'], 'subject organization is not system:nodes'],
    [{ organizations: [] }, ['digital signature', 'client auth'], 'subject organization is not system:nodes'],
    [{ commonName: 'admin' }, ['digital signature', 'client auth'], 'subject common name does not begin with system:node:'],
    [{ commonName: 'system:node:' }, ['digital signature', 'client auth'], 'subject common name does not begin with system:node:'],
    [{ subjectAltNames: ['n1.example'] }, ['digital signature', 'client auth'], 'subjectAltNames are not allowed'],
    [{}, ['digital signature', 'client auth', 'server auth'], 'usages did not match [client auth digital signature key encipherment]'],
    [{}, ['client auth'], 'usages did not match [client auth digital signature key encipherment]'],
  ];
  for (const [change, usages, why] of table) assert.equal(whyNotKubeletClientRequest({ ...node, ...change }, usages), why, JSON.stringify(change));
});

test('namesMasters', () => {
  assert.equal(namesMasters({ organizations: ['dev', 'system:masters'] }), true);
  assert.equal(namesMasters({ organizations: ['system:nodes'] }), false);
});
