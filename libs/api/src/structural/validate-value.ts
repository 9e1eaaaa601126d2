/**
 * A value against a structural schema, the way kube-openapi's validator and apiextensions-apiserver
 * report it: `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`.
 * CEL rules are not run here (see cel-rules.ts).
 */
import { type FieldError, forbidden, invalid, notSupported, required, tooLong, tooMany } from '../validation/field-error.ts';
import { fitsIntegerFormat, matchesFormat } from './formats.ts';
import type { JsonSchema } from './index.ts';
import { validateListType } from './list-types.ts';
import { childPath, indexPath, isPlainObject, isTrue, jsonTypeOf, properties, subSchema } from './paths.ts';
import { compiled, enumKey } from './schema-cache.ts';

export interface ValueResult {
  errors: FieldError[];
  /** A type error was found: CEL rules are skipped, as they would see the wrong types. */
  blocking: boolean;
}

/** Root fields the API server owns; a CRD schema never validates or prunes them at the root. */
export const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'string':
    case 'boolean':
      return typeof v === type;
    case 'object':
      return isPlainObject(v);
    case 'array':
      return Array.isArray(v);
    default:
      return true;
  }
}

function typeError(path: string, type: string, v: unknown, out: ValueResult): void {
  const actual = jsonTypeOf(v);
  out.errors.push(invalid(path, actual, `${path} in body must be of type ${type}: ${JSON.stringify(actual)}`));
  out.blocking = true;
}

/** Checks the node's type (nullable, int-or-string); false when the value must not be looked into. */
function checkType(schema: JsonSchema, v: unknown, path: string, out: ValueResult): boolean {
  const type = typeof schema.type === 'string' ? schema.type : '';
  if (v === null || v === undefined) {
    if (isTrue(schema, 'nullable')) return false;
    if (isTrue(schema, 'x-kubernetes-int-or-string')) typeError(path, 'integer,string', v, out);
    else if (type) typeError(path, type, v, out);
    return false;
  }
  if (isTrue(schema, 'x-kubernetes-int-or-string') && !type) {
    if (typeMatches('integer', v) || typeof v === 'string') return true;
    typeError(path, 'integer,string', v, out);
    return false;
  }
  if (type && !typeMatches(type, v)) {
    typeError(path, type, v, out);
    return false;
  }
  return true;
}

function numberOf(schema: JsonSchema, key: string): number | undefined {
  const v = schema[key];
  return typeof v === 'number' ? v : undefined;
}

function validateString(schema: JsonSchema, s: string, path: string, errs: FieldError[]): void {
  const maxLength = numberOf(schema, 'maxLength');
  const minLength = numberOf(schema, 'minLength');
  if (maxLength !== undefined || minLength !== undefined) {
    // Go counts runes; only strings outside ASCII need the slower count.
    const length = /^[\x00-\x7f]*$/.test(s) ? s.length : [...s].length;
    if (maxLength !== undefined && length > maxLength) errs.push(tooLong(path, maxLength));
    if (minLength !== undefined && length < minLength) {
      errs.push(invalid(path, s, `${path} in body should be at least ${minLength} chars long`));
    }
  }
  const { pattern } = compiled(schema);
  if (pattern && !pattern.test(s)) errs.push(invalid(path, s, `${path} in body should match '${String(schema.pattern)}'`));
  if (typeof schema.format === 'string' && !matchesFormat(schema.format, s)) {
    errs.push(invalid(path, s, `${path} in body must be of type ${schema.format}: ${JSON.stringify(s)}`));
  }
}

function validateNumber(schema: JsonSchema, n: number, path: string, errs: FieldError[]): void {
  const max = numberOf(schema, 'maximum');
  const min = numberOf(schema, 'minimum');
  if (max !== undefined) {
    if (schema.exclusiveMaximum === true ? n >= max : n > max) {
      const op = schema.exclusiveMaximum === true ? 'less than' : 'less than or equal to';
      errs.push(invalid(path, n, `${path} in body should be ${op} ${max}`));
    }
  }
  if (min !== undefined) {
    if (schema.exclusiveMinimum === true ? n <= min : n < min) {
      const op = schema.exclusiveMinimum === true ? 'greater than' : 'greater than or equal to';
      errs.push(invalid(path, n, `${path} in body should be ${op} ${min}`));
    }
  }
  const multipleOf = numberOf(schema, 'multipleOf');
  if (multipleOf !== undefined && multipleOf > 0) {
    const q = n / multipleOf;
    if (Math.abs(q - Math.round(q)) > 1e-9) errs.push(invalid(path, n, `${path} in body should be a multiple of ${multipleOf}`));
  }
  if (typeof schema.format === 'string' && !fitsIntegerFormat(schema.format, n)) {
    errs.push(invalid(path, n, `${path} in body must be of type ${schema.format}: ${JSON.stringify(String(n))}`));
  }
}

function validateObject(schema: JsonSchema, obj: Record<string, unknown>, path: string, out: ValueResult, root: boolean): void {
  const errs = out.errors;
  const props = properties(schema);
  if (Array.isArray(schema.required)) {
    for (const name of schema.required) {
      if (typeof name === 'string' && !(root && ROOT_FIELDS.has(name)) && !(name in obj)) errs.push(required(childPath(path, name)));
    }
  }
  const keys = Object.keys(obj);
  const maxProperties = numberOf(schema, 'maxProperties');
  const minProperties = numberOf(schema, 'minProperties');
  if (maxProperties !== undefined && keys.length > maxProperties) errs.push(tooMany(path, keys.length, maxProperties));
  if (minProperties !== undefined && keys.length < minProperties) {
    errs.push(invalid(path, obj, `${path} in body should have at least ${minProperties} properties`));
  }
  if (isTrue(schema, 'x-kubernetes-embedded-resource') && !isTrue(schema, 'x-kubernetes-preserve-unknown-fields')) {
    for (const name of ['apiVersion', 'kind']) {
      if (typeof obj[name] !== 'string' || obj[name] === '') errs.push(required(childPath(path, name), 'must not be empty'));
    }
  }
  const additional = schema.additionalProperties;
  for (const key of keys) {
    if (root && ROOT_FIELDS.has(key)) continue;
    const prop = props?.[key];
    if (prop) validateNode(prop, obj[key], childPath(path, key), out, false);
    else if (isPlainObject(additional)) validateNode(additional, obj[key], indexPath(path, key), out, false);
    else if (additional === false) errs.push(forbidden(childPath(path, key), `${childPath(path, key)} in body is a forbidden property`));
  }
}

function validateArray(schema: JsonSchema, list: unknown[], path: string, out: ValueResult): void {
  const maxItems = numberOf(schema, 'maxItems');
  const minItems = numberOf(schema, 'minItems');
  if (maxItems !== undefined && list.length > maxItems) out.errors.push(tooMany(path, list.length, maxItems));
  if (minItems !== undefined && list.length < minItems) {
    out.errors.push(invalid(path, list, `${path} in body should have at least ${minItems} items`));
  }
  const items = subSchema(schema, 'items');
  if (items) list.forEach((item, i) => validateNode(items, item, indexPath(path, i), out, false));
  validateListType(schema, list, path, out.errors);
}

/** allOf / anyOf / oneOf / not: value validation only (structural schemas keep types out of them). */
function validateCombinators(schema: JsonSchema, v: unknown, path: string, out: ValueResult): void {
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as JsonSchema[]) validateNode(s, v, path, out, false);
  const passes = (s: JsonSchema) => {
    const trial: ValueResult = { errors: [], blocking: false };
    validateNode(s, v, path, trial, false);
    return trial.errors.length === 0;
  };
  const name = JSON.stringify(path);
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as JsonSchema[]).some(passes)) {
    out.errors.push(invalid(path, v, `${name} must validate at least one schema (anyOf)`));
  }
  if (Array.isArray(schema.oneOf) && (schema.oneOf as JsonSchema[]).filter(passes).length !== 1) {
    out.errors.push(invalid(path, v, `${name} must validate one and only one schema (oneOf)`));
  }
  const not = subSchema(schema, 'not');
  if (not && passes(not)) out.errors.push(invalid(path, v, `${name} must not validate the schema (not)`));
}

export function validateNode(schema: JsonSchema, v: unknown, path: string, out: ValueResult, root: boolean): void {
  if (!checkType(schema, v, path, out)) return;
  const { enumKeys } = compiled(schema);
  if (enumKeys && !enumKeys.has(enumKey(v))) {
    const supported = (schema.enum as unknown[]).map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
    out.errors.push(notSupported(path, v, supported));
  }
  if (typeof v === 'string') validateString(schema, v, path, out.errors);
  else if (typeof v === 'number') validateNumber(schema, v, path, out.errors);
  else if (Array.isArray(v)) validateArray(schema, v, path, out);
  else if (isPlainObject(v)) validateObject(schema, v, path, out, root);
  if (schema.allOf || schema.anyOf || schema.oneOf || schema.not) validateCombinators(schema, v, path, out);
}
