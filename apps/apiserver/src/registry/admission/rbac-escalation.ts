/** RBACEscalation admission (to be written). */
import type { AdmissionPlugin } from './admission.ts';

export const rbacEscalationAdmission: AdmissionPlugin = { name: 'RBACEscalation' };
