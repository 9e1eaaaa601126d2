/**
 * CertificateSigning admission, as upstream's plugin/pkg/admission/certificates/signing: a
 * write to `certificatesigningrequests/status` that sets or changes status.certificate needs
 * the verb `sign` on the request's signer (as stored: the status path cannot move it). Other
 * status writes — a signer's Failed condition — pass.
 */
import type { CertificateSigningRequest } from '@skiff/api';
import { errors } from '../../errors.ts';
import { qualifiedOf } from '../object-helpers.ts';
import type { AdmissionPlugin } from './admission.ts';
import { isAuthorizedForSigner, isCsrResource } from './certificate-signing-authorization.ts';

export const certificateSigningAdmission: AdmissionPlugin = {
  name: 'CertificateSigning',
  async validate(ctx, attrs) {
    if (!isCsrResource(attrs.res) || attrs.subresource !== 'status' || attrs.operation !== 'UPDATE') return;
    const before = attrs.oldObject as CertificateSigningRequest | undefined;
    const after = attrs.object as CertificateSigningRequest | undefined;
    if ((before?.status?.certificate ?? '') === (after?.status?.certificate ?? '')) return;
    const signerName = before?.spec?.signerName ?? '';
    if (await isAuthorizedForSigner(ctx, attrs.user, 'sign', signerName)) return;
    throw errors.forbidden(qualifiedOf(attrs.res), attrs.name, `user not permitted to sign requests with signerName "${signerName}"`);
  },
};
