/**
 * Pruning, as apiextensions-apiserver's pruning.Prune: every field the schema does not specify is
 * dropped, except under x-kubernetes-preserve-unknown-fields (where specified fields are still
 * pruned by their own schemas) and the apiVersion/kind/metadata of the root and of embedded
 * resources. The removed paths feed unknown-field warnings and fieldValidation=Strict.
 */
import type { JsonSchema } from './index.ts';
import { isPlainObject, isTrue, properties, subSchema } from './paths.ts';

const TYPE_META = new Set(['apiVersion', 'kind', 'metadata']);

/** A schema that keeps unknown fields: preserve-unknown-fields or additionalProperties: true. */
function keepsUnknown(schema: JsonSchema): boolean {
  return isTrue(schema, 'x-kubernetes-preserve-unknown-fields') || schema.additionalProperties === true;
}

/**
 * The walk keeps the path as segments ('.spec', '[0]') and joins them only for a removed field:
 * most writes remove nothing, so they build no strings.
 */
function pruneNode(x: unknown, schema: JsonSchema | undefined, at: string[], resourceRoot: boolean, removed: string[]): void {
  if (isPlainObject(x)) {
    const props = schema ? properties(schema) : undefined;
    const additional = schema ? subSchema(schema, 'additionalProperties') : undefined;
    const keep = schema ? keepsUnknown(schema) : false;
    const embedded = resourceRoot || (schema !== undefined && isTrue(schema, 'x-kubernetes-embedded-resource'));
    for (const k in x) {
      if (embedded && TYPE_META.has(k)) continue;
      const prop = props?.[k] ?? additional;
      if (prop) {
        const v = x[k];
        if (v !== null && typeof v === 'object') {
          at.push(`.${k}`);
          pruneNode(v, prop, at, false, removed);
          at.pop();
        }
      } else if (!keep) {
        delete x[k];
        removed.push(`${at.join('')}.${k}`.slice(1));
      }
    }
  } else if (Array.isArray(x)) {
    const items = schema ? subSchema(schema, 'items') : undefined;
    // Items without a schema are kept whole only where unknown fields are preserved.
    if (!items && schema && keepsUnknown(schema)) return;
    for (let i = 0; i < x.length; i++) {
      if (x[i] === null || typeof x[i] !== 'object') continue;
      at.push(`[${i}]`);
      pruneNode(x[i], items, at, false, removed);
      at.pop();
    }
  }
}

/** Prunes `x` in place; paths in `removed` are relative to `path` ('' for an object's root). */
export function prune(x: unknown, schema: JsonSchema | undefined, path: string, resourceRoot: boolean, removed: string[]): void {
  pruneNode(x, schema, path ? [`.${path}`] : [], resourceRoot, removed);
}
