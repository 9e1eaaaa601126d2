import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { Node } from '@skiff/api';
import { createCertificateAuthority, issueCertificate, parseCertificateRequest } from '@skiff/pki';
import { createServingRequest, rotationDeadline, servingNames } from './serving-certificate.ts';

test("serving names: the Node's reported addresses, once each", () => {
  const node = {
    status: {
      addresses: [
        { type: 'InternalIP', address: '10.0.0.5' },
        { type: 'Hostname', address: 'n1' },
        { type: 'ExternalIP', address: '10.0.0.5' },
      ],
    },
  } as Node;
  assert.deepEqual(servingNames(node), ['10.0.0.5', 'n1']);
  assert.deepEqual(servingNames(undefined), []);
});

test('the request: system:node:<name> in system:nodes, with the names as subjectAltNames', async () => {
  const { csr, key } = await createServingRequest('n1', ['10.0.0.5', 'n1']);
  assert.deepEqual(await parseCertificateRequest(csr), { commonName: 'system:node:n1', organizations: ['system:nodes'], subjectAltNames: ['10.0.0.5', 'n1'] });
  assert.match(key, /BEGIN PRIVATE KEY/);
});

test("renewal is planned at 70–90% of the certificate's span", async () => {
  const ca = await createCertificateAuthority('ca', 10);
  const { cert } = await issueCertificate(ca, { commonName: 'n1', usage: 'server', validityDays: 10 });
  const x = new X509Certificate(cert);
  const from = Date.parse(x.validFrom);
  const span = Date.parse(x.validTo) - from;
  assert.equal(
    rotationDeadline(cert, () => 0),
    from + span * 0.7,
  );
  assert.equal(
    rotationDeadline(cert, () => 1),
    from + span * 0.9,
  );
});
