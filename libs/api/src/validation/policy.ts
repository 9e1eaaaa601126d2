/** policy/v1 PodDisruptionBudget validation (pkg/apis/policy/validation). Issue #19. */
import type { FieldError } from './field-error.ts';

export function validatePodDisruptionBudget(_pdb: any): FieldError[] {
  return [];
}
