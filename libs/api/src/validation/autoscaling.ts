/** autoscaling/v2 (and v1) HorizontalPodAutoscaler validation (pkg/apis/autoscaling/validation). Issue #19. */
import type { FieldError } from './field-error.ts';

export function validateHorizontalPodAutoscaler(_hpa: any): FieldError[] {
  return [];
}
