/**
 * The CEL type of a schema node, as apiextensions-apiserver declares `self` for
 * x-kubernetes-validations (SchemaDeclType): object properties become fields, additionalProperties
 * a map, items a list; int-or-string, preserve-unknown-fields and formats whose CEL type we do not
 * convert to (date-time, duration, byte) are dyn. At the root, `self` also has apiVersion, kind
 * and metadata.name/generateName.
 */
import type { CelType } from '../cel/index.ts';
import type { JsonSchema } from './index.ts';
import { isTrue, properties, subSchema } from './paths.ts';

const SCALARS: Record<string, CelType> = { integer: 'int', number: 'double', string: 'string', boolean: 'bool' };
/** Upstream types these as timestamp, duration and bytes; our values stay strings, so dyn keeps both readings compiling. */
const DYN_FORMATS = new Set(['date', 'date-time', 'duration', 'byte']);

function objectType(s: JsonSchema, embedded: boolean): CelType {
  const fields: Record<string, CelType> = {};
  if (embedded) {
    fields.apiVersion = 'string';
    fields.kind = 'string';
    fields.metadata = { fields: { name: 'string', generateName: 'string' } };
  }
  for (const [name, prop] of Object.entries(properties(s) ?? {})) {
    if (embedded && name === 'metadata') continue; // only name and generateName are visible
    fields[name] = celTypeOf(prop);
  }
  return { fields };
}

/** `root` adds the object's apiVersion, kind and metadata, which the schema need not declare. */
export function celTypeOf(s: JsonSchema, root = false): CelType {
  if (isTrue(s, 'x-kubernetes-int-or-string')) return 'dyn';
  const embedded = root || isTrue(s, 'x-kubernetes-embedded-resource');
  // Unknown fields may be named by rules, whether or not some are declared.
  if (isTrue(s, 'x-kubernetes-preserve-unknown-fields')) return 'dyn';
  if (s.type === 'array') {
    const items = subSchema(s, 'items');
    return { list: items ? celTypeOf(items) : 'dyn' };
  }
  if (s.type === 'object' || embedded) {
    const additional = subSchema(s, 'additionalProperties');
    if (additional) return { map: celTypeOf(additional) };
    if (s.additionalProperties === true) return { map: 'dyn' };
    return objectType(s, embedded);
  }
  if (s.type === 'string' && DYN_FORMATS.has(s.format as string)) return 'dyn';
  return SCALARS[s.type as string] ?? 'dyn';
}
