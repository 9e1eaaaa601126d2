/** admissionregistration.k8s.io/v1: webhook configurations and ValidatingAdmissionPolicies (pkg/apis/admissionregistration/validation). */
import type { FieldError } from './field-error.ts';

export function validateMutatingWebhookConfiguration(_config: any): FieldError[] {
  return [];
}

export function validateValidatingWebhookConfiguration(_config: any): FieldError[] {
  return [];
}

export function validateValidatingAdmissionPolicy(_policy: any): FieldError[] {
  return [];
}

export function validateValidatingAdmissionPolicyBinding(_binding: any): FieldError[] {
  return [];
}
