/**
 * CertificateApproval admission, as upstream's plugin/pkg/admission/certificates/approval:
 * every write to `certificatesigningrequests/approval` (adding Approved or Denied) needs the
 * verb `approve` on the request's signer, so holding `update` on the approval subresource is
 * not enough to get oneself a certificate. The signer is read from the new object, so a
 * request cannot be moved to another signer while being approved.
 */
import type { CertificateSigningRequest } from '@skiff/api';
import { errors } from '../../errors.ts';
import { qualifiedOf } from '../object-helpers.ts';
import type { AdmissionPlugin } from './admission.ts';
import { isAuthorizedForSigner, isCsrResource } from './certificate-signing-authorization.ts';

export const certificateApprovalAdmission: AdmissionPlugin = {
  name: 'CertificateApproval',
  async validate(ctx, attrs) {
    if (!isCsrResource(attrs.res) || attrs.subresource !== 'approval' || attrs.operation !== 'UPDATE') return;
    const signerName = (attrs.object as CertificateSigningRequest | undefined)?.spec?.signerName ?? '';
    if (await isAuthorizedForSigner(ctx, attrs.user, 'approve', signerName)) return;
    throw errors.forbidden(qualifiedOf(attrs.res), attrs.name, `user not permitted to approve requests with signerName "${signerName}"`);
  },
};
