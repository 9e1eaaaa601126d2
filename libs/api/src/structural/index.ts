/**
 * Structural schemas: what apiextensions-apiserver does with a CRD's openAPIV3Schema —
 * checks the schema itself, validates custom objects against it (CEL rules included),
 * applies its defaults and prunes the fields it does not know.
 */
import type { FieldError } from '../validation/field-error.ts';
import { hasCelRules, validateCelRules } from './cel-rules.ts';
import { applyDefaults } from './defaults.ts';
import { prune } from './prune.ts';
import { checkSchemaNode } from './validate-schema.ts';
import { validateNode, type ValueResult } from './validate-value.ts';

/** One node of a CRD's openAPIV3Schema, as written in the CRD (JSONSchemaProps). */
export type JsonSchema = Record<string, unknown>;

/**
 * Problems with the schema itself, as kube-apiserver answers a CRD create: not structural,
 * unsupported keywords, defaults that do not validate, CEL rules that do not compile.
 * `fieldPath` is where the schema sits, e.g. 'spec.versions[0].schema.openAPIV3Schema'.
 */
export function validateStructuralSchema(schema: JsonSchema, fieldPath: string): FieldError[] {
  const errs: FieldError[] = [];
  checkSchemaNode(schema, fieldPath, 'root', errs);
  return errs;
}

/**
 * A custom object against its schema: field errors with paths such as 'spec.replicas'.
 * `old` is the stored object on update (for CEL transition rules with oldSelf).
 * The root's apiVersion, kind and metadata are the API server's business, not the schema's.
 */
export function validateWithSchema(schema: JsonSchema, obj: unknown, old?: unknown): FieldError[] {
  const out: ValueResult = { errors: [], blocking: false };
  validateNode(schema, obj, '', out, true);
  if (!hasCelRules(schema)) return out.errors;
  if (out.blocking) {
    // As upstream: rules would see values of the wrong type, so they wait for the object to be fixed.
    out.errors.push({ reason: 'FieldValueInvalid', field: '<nil>', message: `Invalid value: "null": ${RULES_SKIPPED}` });
    return out.errors;
  }
  validateCelRules(schema, obj, old ?? undefined, '', out.errors, true);
  return out.errors;
}

const RULES_SKIPPED = 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

/** Applies the schema's `default`s in place (see defaults.ts for the rules). */
export function applySchemaDefaults(schema: JsonSchema, obj: unknown): void {
  applyDefaults(schema, obj);
}

/**
 * Removes, in place, every field the schema does not specify (unless x-kubernetes-preserve-unknown-fields);
 * apiVersion, kind and metadata at the root (and of embedded resources) are kept. Answers the removed paths,
 * e.g. ['spec.foo'], for the unknown-field warnings and fieldValidation=Strict.
 */
export function pruneWithSchema(schema: JsonSchema, obj: unknown): string[] {
  const removed: string[] = [];
  prune(obj, schema, '', true, removed);
  return removed;
}
