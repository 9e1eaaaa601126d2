/**
 * JSON ⇄ CEL values. CEL has distinct int (int64) and double types; the CEL library represents
 * int as bigint and double as number, so a JSON 3 must become 3n for `self.replicas + 1` to
 * type-check at run time the way it does in Kubernetes.
 */
import { Optional } from '@marcbachmann/cel-js';

/** Integers become int (bigint), everything else keeps its JSON shape. */
export function toCelValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCelValue(v);
    return out;
  }
  return value;
}

/** A CEL result as JSON-friendly JavaScript: ints and uints become numbers, maps objects. */
export function fromCelValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromCelValue);
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (value instanceof Optional) return value.hasValue() ? fromCelValue(value.value()) : undefined;
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCelValue(v)]));
  const proto = Object.getPrototypeOf(value);
  if (proto?.constructor?.name === 'UnsignedInteger') return Number((value as { value: unknown }).value);
  if (proto !== Object.prototype && proto !== null) return value; // durations and other CEL-typed values
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = fromCelValue(v);
  return out;
}
