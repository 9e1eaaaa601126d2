/** CertificateSubjectRestriction admission (to be written). */
import type { AdmissionPlugin } from './admission.ts';

export const certificateSubjectRestrictionAdmission: AdmissionPlugin = { name: 'CertificateSubjectRestriction' };
