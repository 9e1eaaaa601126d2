/**
 * A schema's `default` must itself be valid and pruned: upstream validates every default against
 * the schema node it sits on (CEL rules included) and refuses defaults with unknown fields.
 */
import { type FieldError, invalid } from '../validation/field-error.ts';
import { validateCelRules } from './cel-rules.ts';
import type { JsonSchema } from './index.ts';
import { prune } from './prune.ts';
import { validateNode, type ValueResult } from './validate-value.ts';

export function checkDefault(s: JsonSchema, path: string): FieldError[] {
  const value = s.default;
  const out: ValueResult = { errors: [], blocking: false };
  validateNode(s, value, path, out, false);
  if (!out.blocking) validateCelRules(s, value, undefined, path, out.errors, false);
  const copy = structuredClone(value);
  const removed: string[] = [];
  prune(copy, s, '', false, removed);
  if (removed.length) out.errors.push(invalid(path, value, `must not have unknown fields: ${removed.join(', ')}`));
  return out.errors;
}
