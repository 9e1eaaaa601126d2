/**
 * x-kubernetes-validations: CEL rules evaluated with `self` bound to the value at their node and,
 * on update, `oldSelf` to the correlated old value (same property, same map key, same list-map
 * key). Transition rules (naming oldSelf) are skipped when there is no old value to compare with.
 */
import { CelError, evaluateCelRaw, toCelValue } from '../cel/index.ts';
import { duplicate, type FieldError, forbidden, invalid, required } from '../validation/field-error.ts';
import type { JsonSchema } from './index.ts';
import { listMapKeyString, listMapKeys } from './list-types.ts';
import { childPath, indexPath, isPlainObject, properties, subSchema } from './paths.ts';
import { type CompiledRule, compiled } from './schema-cache.ts';

export const RULE_VARIABLES = { variables: ['self', 'oldSelf'] } as const;

/** The value as CEL sees it under this schema: `integer` fields are ints, `number` fields doubles. */
export function toSchemaCelValue(schema: JsonSchema | undefined, v: unknown): unknown {
  if (!schema) return toCelValue(v);
  if (typeof v === 'number') return schema.type === 'number' ? v : toCelValue(v);
  if (Array.isArray(v)) {
    const items = subSchema(schema, 'items');
    return v.map((x) => toSchemaCelValue(items, x));
  }
  if (isPlainObject(v)) {
    const props = properties(schema);
    const additional = subSchema(schema, 'additionalProperties');
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toSchemaCelValue(props?.[k] ?? additional, x);
    return out;
  }
  return v;
}

/** `.spec.x`, `['a.b']` or `[0]` appended to a field path (x-kubernetes-validations[].fieldPath). */
function appendFieldPath(path: string, fieldPath: string): string {
  let out = path;
  for (const m of fieldPath.matchAll(/\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/g)) {
    if (m[1] !== undefined) out = childPath(out, m[1]);
    else if (m[2] !== undefined) out = childPath(out, m[2].replace(/\\(.)/g, '$1'));
    else out = indexPath(out, m[3]);
  }
  return out;
}

function ruleError(rule: CompiledRule, path: string, value: unknown, detail: string, omitValue: boolean): FieldError {
  const at = rule.fieldPath ? appendFieldPath(path, rule.fieldPath) : path;
  switch (rule.reason) {
    case 'FieldValueForbidden':
      return forbidden(at, detail);
    case 'FieldValueRequired':
      return required(at, detail);
    case 'FieldValueDuplicate':
      return duplicate(at, value);
    default:
      // field.OmitValueType: "Invalid value: <detail>" when messageExpression wrote the whole text.
      return omitValue ? { reason: 'FieldValueInvalid', field: at, message: `Invalid value: ${detail}` } : invalid(at, value, detail);
  }
}

function messageFor(rule: CompiledRule, context: Record<string, unknown>): { detail: string; fromExpression: boolean } {
  if (rule.messageExpression) {
    try {
      const m = evaluateCelRaw(rule.messageExpression, context, RULE_VARIABLES);
      if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) return { detail: m, fromExpression: true };
    } catch {
      // upstream logs and falls back to message / the rule text
    }
  }
  return { detail: rule.message?.trim() || `failed rule: ${rule.rule.trim()}`, fromExpression: false };
}

function evaluateRules(schema: JsonSchema, v: unknown, old: unknown, path: string, errs: FieldError[]): void {
  const { rules } = compiled(schema);
  if (rules.length === 0) return;
  const context: Record<string, unknown> = { self: toSchemaCelValue(schema, v) };
  if (old !== undefined) context.oldSelf = toSchemaCelValue(schema, old);
  // Objects and arrays are reported by type name: their whole value would drown the message.
  const shown = Array.isArray(v) ? 'array' : isPlainObject(v) ? 'object' : v;
  for (const rule of rules) {
    if (rule.transition && old === undefined) continue;
    let ok: unknown;
    try {
      ok = evaluateCelRaw(rule.rule, context, RULE_VARIABLES);
    } catch (err) {
      const detail = err instanceof CelError ? err.message : String(err);
      errs.push(invalid(path, shown, detail));
      continue;
    }
    if (ok === true) continue;
    const { detail, fromExpression } = messageFor(rule, context);
    errs.push(ruleError(rule, path, shown, detail, fromExpression));
  }
}

/** The old list item with the same list-map key, for items of an x-kubernetes-list-type map. */
function oldItemsByKey(schema: JsonSchema, old: unknown): Map<string, unknown> | undefined {
  if (schema['x-kubernetes-list-type'] !== 'map' || !Array.isArray(old)) return undefined;
  const keys = listMapKeys(schema);
  const items = subSchema(schema, 'items');
  const byKey = new Map<string, unknown>();
  for (const item of old) {
    const key = listMapKeyString(item, keys, items);
    if (key !== undefined) byKey.set(key, item);
  }
  return byKey;
}

/** Walks value and schema together; `old` is undefined where nothing correlates. */
export function validateCelRules(schema: JsonSchema, v: unknown, old: unknown, path: string, errs: FieldError[], root: boolean): void {
  if (v === null || v === undefined || !hasCelRules(schema)) return;
  if (root && isPlainObject(v) && isPlainObject(v.metadata)) {
    // At the root, rules see only the name and generateName of metadata, as upstream.
    const { name, generateName } = v.metadata;
    v = { ...v, metadata: { ...(name !== undefined && { name }), ...(generateName !== undefined && { generateName }) } };
  }
  evaluateRules(schema, v, old, path, errs);
  if (isPlainObject(v)) {
    const props = properties(schema);
    const additional = subSchema(schema, 'additionalProperties');
    const oldObj = isPlainObject(old) ? old : undefined;
    for (const [key, x] of Object.entries(v)) {
      if (root && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
      const prop = props?.[key];
      if (prop) validateCelRules(prop, x, oldObj?.[key], childPath(path, key), errs, false);
      else if (additional) validateCelRules(additional, x, oldObj?.[key], indexPath(path, key), errs, false);
    }
  } else if (Array.isArray(v)) {
    const items = subSchema(schema, 'items');
    if (!items) return;
    const byKey = oldItemsByKey(schema, old);
    const keys = byKey ? listMapKeys(schema) : [];
    v.forEach((item, i) => {
      const key = byKey ? listMapKeyString(item, keys, items) : undefined;
      const oldItem = key !== undefined ? byKey?.get(key) : undefined;
      validateCelRules(items, item, oldItem, indexPath(path, i), errs, false);
    });
  }
}

/** Whether any node of the schema carries CEL rules (so objects of schemas without any skip the walk). */
export function hasCelRules(schema: JsonSchema): boolean {
  const seen = hasRulesCache.get(schema);
  if (seen !== undefined) return seen;
  let found = compiled(schema).rules.length > 0;
  for (const s of Object.values(properties(schema) ?? {})) found ||= hasCelRules(s);
  for (const key of ['items', 'additionalProperties']) {
    const s = subSchema(schema, key);
    if (s) found ||= hasCelRules(s);
  }
  hasRulesCache.set(schema, found);
  return found;
}

const hasRulesCache = new WeakMap<JsonSchema, boolean>();
