/** The CSR approver (SubjectAccessReview-gated) and signer, against a fake client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CertificateSigningRequest } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import { createLogger } from '@skiff/log';
import { createCertificateRequest, parseCertificateRequest } from '@skiff/pki';
import { CsrApprover } from './csr-approving-controller.ts';
import { whyNotSigned } from './csr-signing-controller.ts';

const logger = createLogger('csr-test', 'silent');

async function csrFor(
  commonName: string,
  organizations: string[],
  spec: Partial<NonNullable<CertificateSigningRequest['spec']>> = {},
): Promise<CertificateSigningRequest> {
  const { csr } = await createCertificateRequest({ commonName, organizations });
  return {
    metadata: { name: 'req' },
    spec: {
      request: Buffer.from(csr).toString('base64'),
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: ['digital signature', 'client auth'],
      username: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:authenticated'],
      ...spec,
    },
  };
}

/** A client whose SubjectAccessReviews allow `allowed` subresources (or answer 404), recording reviews and updates. */
function fakeClient(answer: { allowed?: string[]; unserved?: boolean }) {
  const reviews: { user: string; groups: string[]; subresource: string }[] = [];
  const updates: CertificateSigningRequest[] = [];
  return {
    reviews,
    updates,
    async request<T>(method: string, path: string, opts: { body?: unknown } = {}): Promise<T> {
      assert.equal(`${method} ${path}`, 'POST /apis/authorization.k8s.io/v1/subjectaccessreviews');
      if (answer.unserved) throw new ApiStatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404 });
      const spec = (opts.body as { spec: { user: string; groups: string[]; resourceAttributes: { subresource: string; verb: string; resource: string } } })
        .spec;
      assert.equal(spec.resourceAttributes.verb, 'create');
      assert.equal(spec.resourceAttributes.resource, 'certificatesigningrequests');
      reviews.push({ user: spec.user, groups: spec.groups, subresource: spec.resourceAttributes.subresource });
      return { status: { allowed: (answer.allowed ?? []).includes(spec.resourceAttributes.subresource) } } as T;
    },
    async update<T>(_res: unknown, obj: T): Promise<T> {
      updates.push(obj as CertificateSigningRequest);
      return obj;
    },
  };
}

async function approve(csr: CertificateSigningRequest, answer: Parameters<typeof fakeClient>[0]) {
  const client = fakeClient(answer);
  const approver = new CsrApprover({ client: client as never, csrs: { get: () => csr }, logger });
  const result = await approver.sync('req');
  const approved = client.updates[0]?.status?.conditions?.find((c) => c.type === 'Approved');
  return { result, reviews: client.reviews, approved };
}

test('approver: a bootstrapper’s node request is approved when the review allows nodeclient', async () => {
  const { reviews, approved } = await approve(await csrFor('system:node:n1', ['system:nodes']), { allowed: ['nodeclient'] });
  assert.deepEqual(
    reviews.map((r) => r.subresource),
    ['nodeclient'],
  );
  assert.equal(reviews[0]!.user, 'system:bootstrap:abcdef');
  assert.deepEqual(reviews[0]!.groups, ['system:bootstrappers', 'system:authenticated']);
  assert.equal(approved?.message, 'Auto approving kubelet client certificate after SubjectAccessReview.');
});

test('approver: a node renewing its own certificate is asked selfnodeclient first', async () => {
  const csr = await csrFor('system:node:n1', ['system:nodes'], { username: 'system:node:n1', groups: ['system:nodes'] });
  const { reviews, approved } = await approve(csr, { allowed: ['selfnodeclient'] });
  assert.deepEqual(
    reviews.map((r) => r.subresource),
    ['selfnodeclient'],
  );
  assert.equal(approved?.message, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
});

test('approver: not approved without the permission, nor when the review API is not served', async () => {
  const denied = await approve(await csrFor('system:node:n1', ['system:nodes']), { allowed: [] });
  assert.equal(denied.approved, undefined);
  assert.deepEqual(denied.result, { requeueAfter: 30_000 });
  const unserved = await approve(await csrFor('system:node:n1', ['system:nodes']), { unserved: true });
  assert.equal(unserved.approved, undefined);
});

test('approver: never asks about, nor approves, what is not exactly a node client certificate', async () => {
  for (const csr of [
    await csrFor('system:node:n1', ['system:nodes', 'system:masters']),
    await csrFor('admin', ['system:masters']),
    await csrFor('system:node:n1', ['system:nodes'], { usages: ['digital signature', 'client auth', 'server auth'] }),
    await csrFor('system:node:n1', ['system:nodes'], { signerName: 'kubernetes.io/kube-apiserver-client' }),
  ]) {
    const { reviews, approved } = await approve(csr, { allowed: ['nodeclient', 'selfnodeclient'] });
    assert.deepEqual(reviews, []);
    assert.equal(approved, undefined);
  }
});

test('signer: never for system:masters; client usages only; kubelet signer only node identities', async () => {
  const check = async (csr: CertificateSigningRequest) => whyNotSigned(csr, await parseCertificateRequest(Buffer.from(csr.spec!.request, 'base64').toString()));
  const client = { signerName: 'kubernetes.io/kube-apiserver-client' };
  assert.equal(await check(await csrFor('alice', ['dev'], client)), undefined);
  assert.equal(await check(await csrFor('root', ['system:masters'], client)), 'kubernetes.io/kube-apiserver-client never signs for the system:masters group');
  assert.equal(await check(await csrFor('alice', [], { ...client, usages: ['server auth'] })), 'unsupported key usage: server auth');
  assert.equal(await check(await csrFor('system:node:n1', ['system:nodes'])), undefined);
  assert.match((await check(await csrFor('system:node:n1', ['system:nodes', 'system:masters'])))!, /organization/);
});
