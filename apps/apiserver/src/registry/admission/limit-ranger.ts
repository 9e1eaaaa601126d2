/**
 * LimitRanger admission: LimitRange defaults and min/max/ratio per container, pod and PVC, as upstream's plugin/pkg/admission/limitranger.
 * (Seam: filled in by the admission-and-hardening work.)
 */
import type { AdmissionPlugin } from './admission.ts';

export const limitRangerAdmission: AdmissionPlugin = {
  name: 'LimitRanger',
};
