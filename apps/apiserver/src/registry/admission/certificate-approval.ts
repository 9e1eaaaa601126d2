/** CertificateApproval admission (to be written). */
import type { AdmissionPlugin } from './admission.ts';

export const certificateApprovalAdmission: AdmissionPlugin = { name: 'CertificateApproval' };
