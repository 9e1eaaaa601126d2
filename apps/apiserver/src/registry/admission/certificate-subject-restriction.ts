/**
 * CertificateSubjectRestriction admission, as upstream's
 * plugin/pkg/admission/certificates/subjectrestriction, on create:
 *
 * - kubernetes.io/kube-apiserver-client never issues for system:masters: a certificate in that
 *   group bypasses every authorizer and cannot be revoked, so it is refused before anyone could
 *   approve it by mistake.
 * - kubernetes.io/kube-apiserver-client-kubelet issues only node identities: CN
 *   system:node:<name>, O exactly [system:nodes], client usages, no alternative names
 *   (upstream's ValidateKubeletClientCSR); anything else could never be signed, so it is
 *   refused now rather than left pending for an approver to misread.
 */
import { KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER, namesMasters, whyNotKubeletClientRequest, type CertificateSigningRequest } from '@skiff/api';
import { parseCertificateRequest, type ParsedCertificateRequest } from '@skiff/pki';
import { errors } from '../../errors.ts';
import { qualifiedOf } from '../object-helpers.ts';
import type { AdmissionPlugin } from './admission.ts';
import { isCsrResource } from './certificate-signing-authorization.ts';

async function parseRequest(csr: CertificateSigningRequest, name: string): Promise<ParsedCertificateRequest> {
  try {
    return await parseCertificateRequest(Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8'));
  } catch (err) {
    throw errors.invalid('CertificateSigningRequest', 'certificates.k8s.io', name, [
      { reason: 'FieldValueInvalid', field: 'spec.request', message: `Invalid value: "<request>": ${(err as Error).message}` },
    ]);
  }
}

export const certificateSubjectRestrictionAdmission: AdmissionPlugin = {
  name: 'CertificateSubjectRestriction',
  async validate(_ctx, attrs) {
    if (!isCsrResource(attrs.res) || attrs.subresource !== '' || attrs.operation !== 'CREATE') return;
    const csr = attrs.object as unknown as CertificateSigningRequest;
    const signerName = csr.spec?.signerName;
    if (signerName !== KUBE_APISERVER_CLIENT_SIGNER && signerName !== KUBELET_CLIENT_SIGNER) return;
    const subject = await parseRequest(csr, attrs.name);
    const forbidden = (message: string) => errors.forbidden(qualifiedOf(attrs.res), attrs.name, message);
    if (signerName === KUBE_APISERVER_CLIENT_SIGNER && namesMasters(subject)) {
      throw forbidden(`use of ${KUBE_APISERVER_CLIENT_SIGNER} signer with system:masters group is not allowed`);
    }
    if (signerName === KUBELET_CLIENT_SIGNER) {
      const why = whyNotKubeletClientRequest(subject, csr.spec?.usages ?? []);
      if (why) throw forbidden(`${KUBELET_CLIENT_SIGNER} signer accepts only node client certificates: ${why}`);
    }
  },
};
