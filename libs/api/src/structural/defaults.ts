/**
 * Structural defaulting, as apiextensions-apiserver's structuraldefaulting.Default: a property's
 * default fills it when absent, or null where the property is not nullable; list items and map
 * values that are null take the items / additionalProperties default. Parents are defaulted
 * before their children, so a defaulted object gets its nested defaults too.
 */
import type { JsonSchema } from './index.ts';
import { isPlainObject, properties, subSchema } from './paths.ts';
import { compiled } from './schema-cache.ts';

/** Defaults are deep-copied so objects never share the schema's value; scalars need no copy. */
function copyOf(v: unknown): unknown {
  return v !== null && typeof v === 'object' ? structuredClone(v) : v;
}

function fillsNull(v: unknown, schema: JsonSchema | undefined): schema is JsonSchema {
  return v === null && schema !== undefined && schema.nullable !== true && schema.default !== undefined && schema.default !== null;
}

export function applyDefaults(schema: JsonSchema | undefined, x: unknown): void {
  if (!schema) return;
  if (isPlainObject(x)) {
    const props = properties(schema);
    for (const [k, prop] of compiled(schema).defaulted) {
      if (!(k in x) || fillsNull(x[k], prop)) x[k] = copyOf(prop.default);
    }
    const additional = subSchema(schema, 'additionalProperties');
    for (const [k, v] of Object.entries(x)) {
      const prop = props?.[k];
      if (prop) applyDefaults(prop, v);
      else if (additional) {
        if (fillsNull(v, additional)) x[k] = copyOf(additional.default);
        applyDefaults(additional, x[k]);
      }
    }
  } else if (Array.isArray(x)) {
    const items = subSchema(schema, 'items');
    if (!items) return;
    for (let i = 0; i < x.length; i++) {
      if (fillsNull(x[i], items)) x[i] = copyOf(items.default);
      applyDefaults(items, x[i]);
    }
  }
}
