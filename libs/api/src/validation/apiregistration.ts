/** apiregistration.k8s.io/v1 APIService (kube-aggregator's validation). */
import type { FieldError } from './field-error.ts';

export function validateApiService(_service: any): FieldError[] {
  return [];
}
