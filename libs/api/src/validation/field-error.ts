/**
 * Field errors shaped like Kubernetes' StatusCause, with messages built the way
 * k8s.io/apimachinery/pkg/util/validation/field.Error.ErrorBody() builds them.
 */
export type FieldErrorReason =
  | 'FieldValueInvalid'
  | 'FieldValueRequired'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound';

export interface FieldError {
  reason: FieldErrorReason;
  field: string;
  message: string;
}

/** Go's %v / %q for the value in "Invalid value: <value>: <detail>". */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function required(field: string, detail = ''): FieldError {
  return { reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  const body = `Invalid value: ${formatValue(value)}`;
  return { reason: 'FieldValueInvalid', field, message: detail ? `${body}: ${detail}` : body };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  let message = `Unsupported value: ${formatValue(value)}`;
  if (supported.length) message += `: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`;
  return { reason: 'FieldValueNotSupported', field, message };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatValue(value)}` };
}

export function forbidden(field: string, detail: string): FieldError {
  return { reason: 'FieldValueForbidden', field, message: detail ? `Forbidden: ${detail}` : 'Forbidden' };
}

export function tooLong(field: string, maxLength: number): FieldError {
  return { reason: 'FieldValueTooLong', field, message: `Too long: must have at most ${maxLength} bytes` };
}

/** field.TooMany: a list with more items than allowed. */
export function tooMany(field: string, actual: number, max: number): FieldError {
  return { reason: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items` };
}

export function notFound(field: string, value: unknown): FieldError {
  return { reason: 'FieldValueNotFound', field, message: `Not found: ${formatValue(value)}` };
}

/** One Invalid error per message from a `check*` helper (names.ts), as Kubernetes reports them. */
export function invalidEach(field: string, value: unknown, messages: string[]): FieldError[] {
  return messages.map((m) => invalid(field, value, m));
}

export function nonNegative(field: string, value: unknown): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'number' || !Number.isInteger(value)) return [invalid(field, value, 'must be an integer')];
  return value < 0 ? [invalid(field, value, 'must be greater than or equal to 0')] : [];
}

export function positive(field: string, value: unknown): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'number' || !Number.isInteger(value)) return [invalid(field, value, 'must be an integer')];
  return value <= 0 ? [invalid(field, value, 'must be greater than 0')] : [];
}

/** ValidateImmutableField: a changed value is "field is immutable". */
export function immutable(field: string, next: unknown, prev: unknown): FieldError[] {
  return deepEqual(next, prev) ? [] : [invalid(field, next, 'field is immutable')];
}

/** Semantic equality of JSON values (key order does not matter; undefined keys are absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ak = Object.keys(a).filter((k) => (a as any)[k] !== undefined);
  const bk = Object.keys(b).filter((k) => (b as any)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual((a as any)[k], (b as any)[k]));
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
