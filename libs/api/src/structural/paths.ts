/** field.Path rendering: `spec.items[0].name`, map keys as `labels[app]`. */
import type { JsonSchema } from './index.ts';

export function childPath(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function indexPath(path: string, i: number | string): string {
  return `${path}[${i}]`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A nested schema under `key` when it is one (an object), else undefined. */
export function subSchema(schema: JsonSchema, key: string): JsonSchema | undefined {
  const v = schema[key];
  return isPlainObject(v) ? v : undefined;
}

export function properties(schema: JsonSchema): Record<string, JsonSchema> | undefined {
  const v = schema.properties;
  return isPlainObject(v) ? (v as Record<string, JsonSchema>) : undefined;
}

/** The JSON Schema type name of a value, as kube-openapi reports it in type errors. */
export function jsonTypeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v; // string, boolean, object
}

export function isTrue(schema: JsonSchema, key: string): boolean {
  return schema[key] === true;
}
