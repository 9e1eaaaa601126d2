/** ServiceAccount admission (to be written). */
import type { AdmissionPlugin } from './admission.ts';

export const serviceAccountAdmission: AdmissionPlugin = { name: 'ServiceAccount' };
