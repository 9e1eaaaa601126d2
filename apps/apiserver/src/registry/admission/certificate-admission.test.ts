/** CertificateApproval, CertificateSigning and CertificateSubjectRestriction admission. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '@skiff/api';
import { createCertificateRequest } from '@skiff/pki';
import { ApiError } from '../../errors.ts';
import type { RequestInfo } from '../../http/request-info.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import type { UserInfo } from '../handlers.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';
import { certificateApprovalAdmission } from './certificate-approval.ts';
import { certificateSigningAdmission } from './certificate-signing.ts';
import { certificateSubjectRestrictionAdmission } from './certificate-subject-restriction.ts';

const csrs = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
const approver = { username: 'approver', groups: [] };
const eve = { username: 'eve', groups: [] };

/** approver may approve kubernetes.io/* and sign example.com/x; nobody else anything. */
const asked: string[] = [];
const ctx = {
  authorization: {
    authorize: async (user: UserInfo, info: RequestInfo) => {
      asked.push(`${user.username} ${info.verb} ${info.group}/${info.resource} ${info.name}`);
      const grants = user.username === 'approver' ? ['approve kubernetes.io/*', 'sign example.com/x'] : [];
      return { allowed: grants.includes(`${info.verb} ${info.name}`), reason: '' };
    },
    rulesFor: () => [],
  },
} as unknown as RegistryContext;

async function refusal(plugin: AdmissionPlugin, attrs: AdmissionAttributes): Promise<string | undefined> {
  try {
    await plugin.validate!(ctx, attrs);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return `${err.code} ${err.message}`;
  }
}

function csr(signerName: string, status: Record<string, unknown> = {}, request = ''): KubeObject {
  return { metadata: { name: 'req' }, spec: { signerName, request, usages: ['digital signature', 'client auth'] }, status } as KubeObject;
}

function update(subresource: string, oldObject: KubeObject, object: KubeObject, user: UserInfo): AdmissionAttributes {
  return { res: csrs, subresource, operation: 'UPDATE', namespace: undefined, name: 'req', object, oldObject, user, dryRun: false };
}

test('CertificateApproval: approve on the signer or its domain wildcard', async () => {
  const approved = (signer: string) => csr(signer, { conditions: [{ type: 'Approved', status: 'True' }] });
  asked.length = 0;
  assert.equal(
    await refusal(
      certificateApprovalAdmission,
      update('approval', csr('kubernetes.io/kube-apiserver-client'), approved('kubernetes.io/kube-apiserver-client'), approver),
    ),
    undefined,
  );
  assert.deepEqual(asked, [
    'approver approve certificates.k8s.io/signers kubernetes.io/kube-apiserver-client',
    'approver approve certificates.k8s.io/signers kubernetes.io/*',
  ]);
  assert.equal(
    await refusal(
      certificateApprovalAdmission,
      update('approval', csr('kubernetes.io/kube-apiserver-client'), approved('kubernetes.io/kube-apiserver-client'), eve),
    ),
    '403 certificatesigningrequests.certificates.k8s.io "req" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"',
  );
  assert.match(
    (await refusal(certificateApprovalAdmission, update('approval', csr('example.com/x'), approved('example.com/x'), approver)))!,
    /not permitted to approve requests with signerName "example.com\/x"/,
  );
  assert.equal(
    await refusal(certificateApprovalAdmission, update('status', csr('example.com/x'), approved('example.com/x'), eve)),
    undefined,
    'not the approval subresource',
  );
});

test('CertificateSigning: sign needed only to set or change the certificate', async () => {
  const issued = (signer: string) => csr(signer, { certificate: 'Q0VSVA==' });
  assert.equal(await refusal(certificateSigningAdmission, update('status', csr('example.com/x'), issued('example.com/x'), approver)), undefined);
  assert.equal(
    await refusal(
      certificateSigningAdmission,
      update('status', csr('kubernetes.io/kube-apiserver-client'), issued('kubernetes.io/kube-apiserver-client'), approver),
    ),
    '403 certificatesigningrequests.certificates.k8s.io "req" is forbidden: user not permitted to sign requests with signerName "kubernetes.io/kube-apiserver-client"',
  );
  const failed = csr('kubernetes.io/kube-apiserver-client', { conditions: [{ type: 'Failed', status: 'True' }] });
  assert.equal(
    await refusal(certificateSigningAdmission, update('status', csr('kubernetes.io/kube-apiserver-client'), failed, eve)),
    undefined,
    'a Failed condition needs no sign',
  );
});

test('CertificateSubjectRestriction: no system:masters via kube-apiserver-client; kubelet signer only node identities', async () => {
  const pem = async (commonName: string, organizations: string[]) =>
    Buffer.from((await createCertificateRequest({ commonName, organizations })).csr).toString('base64');
  const create = (object: KubeObject) =>
    refusal(certificateSubjectRestrictionAdmission, {
      res: csrs,
      subresource: '',
      operation: 'CREATE',
      namespace: undefined,
      name: 'req',
      object,
      user: eve,
      dryRun: false,
    });
  assert.equal(
    await create(csr('kubernetes.io/kube-apiserver-client', {}, await pem('root', ['dev', 'system:masters']))),
    '403 certificatesigningrequests.certificates.k8s.io "req" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
  );
  assert.equal(await create(csr('kubernetes.io/kube-apiserver-client', {}, await pem('alice', ['dev']))), undefined);
  assert.equal(await create(csr('kubernetes.io/kube-apiserver-client-kubelet', {}, await pem('system:node:n1', ['system:nodes']))), undefined);
  assert.match(
    (await create(csr('kubernetes.io/kube-apiserver-client-kubelet', {}, await pem('system:node:n1', ['system:nodes', 'system:masters']))))!,
    /kube-apiserver-client-kubelet signer accepts only node client certificates: subject organization is not system:nodes/,
  );
  assert.match(
    (await create(csr('kubernetes.io/kube-apiserver-client-kubelet', {}, await pem('admin', ['system:nodes']))))!,
    /subject common name does not begin with system:node:/,
  );
  assert.equal(await create(csr('example.com/x', {}, 'not a request')), undefined, 'other signers are not parsed');
  assert.match(
    (await create(csr('kubernetes.io/kube-apiserver-client', {}, Buffer.from('garbage').toString('base64'))))!,
    /^422 .*spec.request: Invalid value/,
  );
});
