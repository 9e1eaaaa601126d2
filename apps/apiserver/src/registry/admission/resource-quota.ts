/**
 * ResourceQuota admission: ResourceQuota: refuses what would exceed a namespace's quota, as upstream's plugin/pkg/admission/resourcequota.
 * (Seam: filled in by the admission-and-hardening work.)
 */
import type { AdmissionPlugin } from './admission.ts';

export const resourceQuotaAdmission: AdmissionPlugin = {
  name: 'ResourceQuota',
};
