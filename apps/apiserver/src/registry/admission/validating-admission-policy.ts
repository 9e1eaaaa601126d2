/**
 * ValidatingAdmissionPolicy: CEL validations of the policies their bindings select.
 */
import type { AdmissionPlugin } from './admission.ts';

export const validatingAdmissionPolicyAdmission: AdmissionPlugin = { name: 'ValidatingAdmissionPolicy' };
