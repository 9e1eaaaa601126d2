/** CertificateSigning admission (to be written). */
import type { AdmissionPlugin } from './admission.ts';

export const certificateSigningAdmission: AdmissionPlugin = { name: 'CertificateSigning' };
