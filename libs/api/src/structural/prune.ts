/**
 * Pruning, as apiextensions-apiserver's pruning.Prune: every field the schema does not specify is
 * dropped, except under x-kubernetes-preserve-unknown-fields (where specified fields are still
 * pruned by their own schemas) and the apiVersion/kind/metadata of the root and of embedded
 * resources. The removed paths feed unknown-field warnings and fieldValidation=Strict.
 */
import type { JsonSchema } from './index.ts';
import { childPath, indexPath, isPlainObject, isTrue, properties, subSchema } from './paths.ts';

const TYPE_META = new Set(['apiVersion', 'kind', 'metadata']);

/** A schema that keeps unknown fields: preserve-unknown-fields or additionalProperties: true. */
function keepsUnknown(schema: JsonSchema): boolean {
  return isTrue(schema, 'x-kubernetes-preserve-unknown-fields') || schema.additionalProperties === true;
}

export function prune(x: unknown, schema: JsonSchema | undefined, path: string, resourceRoot: boolean, removed: string[]): void {
  if (isPlainObject(x)) {
    const props = schema ? properties(schema) : undefined;
    const additional = schema ? subSchema(schema, 'additionalProperties') : undefined;
    const keep = schema ? keepsUnknown(schema) : false;
    const embedded = resourceRoot || (schema !== undefined && isTrue(schema, 'x-kubernetes-embedded-resource'));
    for (const [k, v] of Object.entries(x)) {
      if (embedded && TYPE_META.has(k)) continue;
      const prop = props?.[k] ?? additional;
      if (prop) prune(v, prop, childPath(path, k), false, removed);
      else if (!keep) {
        delete x[k];
        removed.push(childPath(path, k));
      }
    }
  } else if (Array.isArray(x)) {
    const items = schema ? subSchema(schema, 'items') : undefined;
    // Items without a schema are kept whole only where unknown fields are preserved.
    if (!items && schema && keepsUnknown(schema)) return;
    x.forEach((v, i) => prune(v, items, indexPath(path, i), false, removed));
  }
}
