/**
 * x-kubernetes-list-type set and map: items must be unique (by value, or by the list-map-keys),
 * as structurallisttype.ValidateListSetsAndMaps reports it — one Duplicate per repeated item.
 */
import { duplicate, type FieldError } from '../validation/field-error.ts';
import type { JsonSchema } from './index.ts';
import { indexPath, isPlainObject, properties, subSchema } from './paths.ts';
import { enumKey } from './schema-cache.ts';

/** The list-map key of an item: its key fields, a missing one taking its schema default. */
export function listMapKey(item: unknown, keys: readonly string[], itemSchema: JsonSchema | undefined): Record<string, unknown> | undefined {
  if (!isPlainObject(item)) return undefined;
  const props = itemSchema ? properties(itemSchema) : undefined;
  const key: Record<string, unknown> = {};
  for (const k of keys) key[k] = k in item ? item[k] : props?.[k]?.default;
  return key;
}

/** The same key as one string, for lookups (key fields are scalars, in the schema's order). */
export function listMapKeyString(item: unknown, keys: readonly string[], itemSchema: JsonSchema | undefined): string | undefined {
  const key = listMapKey(item, keys, itemSchema);
  return key && JSON.stringify(keys.map((k) => key[k]));
}

export function listMapKeys(schema: JsonSchema): string[] {
  const keys = schema['x-kubernetes-list-map-keys'];
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

export function validateListType(schema: JsonSchema, list: unknown[], path: string, errs: FieldError[]): void {
  const type = schema['x-kubernetes-list-type'];
  if (type !== 'set' && type !== 'map') return;
  const keys = type === 'map' ? listMapKeys(schema) : [];
  const items = subSchema(schema, 'items');
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const key = type === 'set' ? enumKey(item) : listMapKeyString(item, keys, items);
    if (key === undefined) return; // a non-object item in a map list is a type error elsewhere
    if (!seen.has(key)) seen.add(key);
    else errs.push(duplicate(indexPath(path, i), type === 'set' ? item : listMapKey(item, keys, items)));
  });
}
