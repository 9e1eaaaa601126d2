/** NodeRestriction admission (to be written). */
import type { AdmissionPlugin } from './admission.ts';

export const nodeRestrictionAdmission: AdmissionPlugin = { name: 'NodeRestriction' };
