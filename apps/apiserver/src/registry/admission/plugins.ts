/**
 * The admission plugins, in kube-apiserver's order (mutating plugins run in this order, then
 * validating plugins in this order). One file each.
 */
import type { AdmissionPlugin } from './admission.ts';
import { certificateApprovalAdmission } from './certificate-approval.ts';
import { certificateSigningAdmission } from './certificate-signing.ts';
import { certificateSubjectRestrictionAdmission } from './certificate-subject-restriction.ts';
import { defaultIngressClassAdmission } from './default-ingress-class.ts';
import { limitRangerAdmission } from './limit-ranger.ts';
import { nodeRestrictionAdmission } from './node-restriction.ts';
import { podSecurityAdmission } from './pod-security.ts';
import { priorityAdmission } from './priority.ts';
import { rbacEscalationAdmission } from './rbac-escalation.ts';
import { resourceQuotaAdmission } from './resource-quota.ts';
import { serviceAccountAdmission } from './service-account.ts';
import { mutatingWebhookAdmission } from './mutating-webhook.ts';
import { validatingAdmissionPolicyAdmission } from './validating-admission-policy.ts';
import { validatingWebhookAdmission } from './validating-webhook.ts';

export const admissionPlugins: readonly AdmissionPlugin[] = [
  limitRangerAdmission,
  serviceAccountAdmission,
  nodeRestrictionAdmission,
  podSecurityAdmission,
  priorityAdmission,
  certificateApprovalAdmission,
  certificateSigningAdmission,
  certificateSubjectRestrictionAdmission,
  defaultIngressClassAdmission,
  rbacEscalationAdmission,
  // After every built-in plugin, as kube-apiserver orders them.
  mutatingWebhookAdmission,
  validatingAdmissionPolicyAdmission,
  validatingWebhookAdmission,
  // Last, as upstream: only what every other plugin let through is charged to the quota.
  resourceQuotaAdmission,
];
