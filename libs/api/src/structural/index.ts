/**
 * Structural schemas: what apiextensions-apiserver does with a CRD's openAPIV3Schema —
 * checks the schema itself, validates custom objects against it (CEL rules included),
 * applies its defaults and prunes the fields it does not know.
 */
import type { FieldError } from '../validation/field-error.ts';

// CEL reaches other packages through @skiff/api this way until libs/api/src/index.ts exports ../cel itself.
export { CelError, compileCel, evaluateCel, type CelOptions } from '../cel/index.ts';

/** One node of a CRD's openAPIV3Schema, as written in the CRD (JSONSchemaProps). */
export type JsonSchema = Record<string, unknown>;

/**
 * Problems with the schema itself, as kube-apiserver answers a CRD create: not structural,
 * unsupported keywords, defaults that do not validate, CEL rules that do not compile.
 * `fieldPath` is where the schema sits, e.g. 'spec.versions[0].schema.openAPIV3Schema'.
 */
export function validateStructuralSchema(_schema: JsonSchema, _fieldPath: string): FieldError[] {
  return [];
}

/**
 * A custom object against its schema: field errors with paths such as 'spec.replicas'.
 * `old` is the stored object on update (for CEL transition rules with oldSelf).
 */
export function validateWithSchema(_schema: JsonSchema, _obj: unknown, _old?: unknown): FieldError[] {
  return [];
}

/** Applies the schema's `default`s in place. */
export function applySchemaDefaults(_schema: JsonSchema, _obj: unknown): void {
  // implemented by the structural-schema work
}

/**
 * Removes, in place, every field the schema does not specify (unless x-kubernetes-preserve-unknown-fields);
 * apiVersion, kind and metadata at the root (and of embedded resources) are kept. Answers the removed paths,
 * e.g. ['spec.foo'], for the unknown-field warnings and fieldValidation=Strict.
 */
export function pruneWithSchema(_schema: JsonSchema, _obj: unknown): string[] {
  return [];
}
