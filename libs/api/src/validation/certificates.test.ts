import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../resources.ts';
import { validateObject } from './index.ts';

const res = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
const pem = Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n').toString('base64');
const cert = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');
const valid = () => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'node-csr-1' },
  spec: { request: pem, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
});
const fields = (obj: unknown, old?: unknown) => validateObject(res, obj, old).map((e) => e.field);

test('CertificateSigningRequest: create validation', () => {
  assert.deepEqual(fields(valid()), []);
  assert.deepEqual(fields({ ...valid(), spec: { ...valid().spec, request: Buffer.from('hello').toString('base64') } }), ['spec.request']);
  assert.deepEqual(fields({ ...valid(), spec: { ...valid().spec, signerName: 'nope' } }), ['spec.signerName']);
  assert.deepEqual(fields({ ...valid(), spec: { ...valid().spec, usages: ['client auth', 'root access'] } }), ['spec.usages[1]']);
  assert.deepEqual(fields({ ...valid(), spec: { ...valid().spec, expirationSeconds: 60 } }), ['spec.expirationSeconds']);
});

test('CertificateSigningRequest: status and update rules', () => {
  const approved = { ...valid(), status: { conditions: [{ type: 'Approved', status: 'True' }] } };
  assert.deepEqual(fields({ ...valid(), status: { certificate: cert } }), ['status.certificate'], 'no certificate before approval');
  assert.deepEqual(fields({ ...approved, status: { ...approved.status, certificate: cert } }), []);
  assert.deepEqual(
    fields({
      ...valid(),
      status: {
        conditions: [
          { type: 'Approved', status: 'True' },
          { type: 'Denied', status: 'True' },
        ],
      },
    }),
    ['status.conditions'],
  );
  assert.deepEqual(fields({ ...approved, spec: { ...approved.spec, usages: ['client auth'] } }, approved), ['spec']);
  assert.deepEqual(fields(valid(), approved), ['status.conditions'], 'approval cannot be taken back');
});
