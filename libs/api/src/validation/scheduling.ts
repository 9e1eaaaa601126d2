/** scheduling.k8s.io/v1 PriorityClass validation (pkg/apis/scheduling/validation). Issue #19. */
import type { FieldError } from './field-error.ts';

export function validatePriorityClass(_pc: any): FieldError[] {
  return [];
}
