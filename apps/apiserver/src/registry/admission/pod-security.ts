/**
 * PodSecurity admission: the Pod Security Standards (privileged, baseline, restricted) per namespace labels, as upstream's plugin/pkg/admission/podsecurity.
 * (Seam: filled in by the admission-and-hardening work.)
 */
import type { AdmissionPlugin } from './admission.ts';

export const podSecurityAdmission: AdmissionPlugin = {
  name: 'PodSecurity',
};
