import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { PatchError } from './patch-error.ts';
import { describeJson } from './merge-patch.ts';
import { isJsonObject } from './json-value.ts';

/**
 * RFC 6902 JSON patch (`application/json-patch+json`). Returns a new document; neither
 * input is changed. Every failure is a PatchError: a body that is not a list of
 * well-formed operations is 'invalid' (400); a patch that does not fit this document — a
 * `test` that fails, a path or `from` that does not exist, an index out of range — is
 * 'conflict', which Kubernetes answers with 422. The messages follow the ones Kubernetes
 * users see (`testing value /spec/replicas failed: test failed`).
 */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw new PatchError('invalid', `json patch must be a JSON array of operations, got ${describeJson(ops)}`);
  }
  ops.forEach((op, index) => {
    if (!isJsonObject(op)) {
      throw new PatchError('invalid', `json patch operation ${index} must be a JSON object, got ${describeJson(op)}`);
    }
  });
  // Operations are cloned too: fast-json-patch inserts `value` by reference.
  const operations = structuredClone(ops) as Operation[];
  try {
    return jsonPatch.applyPatch(structuredClone(doc), operations, true, true, true).newDocument;
  } catch (err) {
    throw toPatchError(err, operations);
  }
}

/** Errors that depend on the document rather than on the operation's own shape. */
const documentErrors = new Set([
  'TEST_OPERATION_FAILED', 'OPERATION_PATH_UNRESOLVABLE', 'OPERATION_PATH_CANNOT_ADD',
  'OPERATION_FROM_UNRESOLVABLE', 'OPERATION_VALUE_OUT_OF_BOUNDS', 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX',
]);

function toPatchError(err: unknown, operations: Operation[]): PatchError {
  const name = (err as { name?: unknown }).name;
  const index = (err as { index?: unknown }).index;
  const op = typeof index === 'number' ? (operations[index] as unknown as Record<string, unknown>) : undefined;
  if (typeof name !== 'string' || !op) {
    // fast-json-patch throws a plain TypeError for `__proto__` paths; nothing else is expected.
    return new PatchError('invalid', `invalid json patch: ${(err as Error).message}`, { cause: err });
  }
  const path = String(op.path);
  const verb = String(op.op);
  const options = { cause: err, path };
  if (!documentErrors.has(name)) {
    const firstLine = (err as Error).message.split('\n')[0];
    return new PatchError('invalid', `json patch operation ${index} (${JSON.stringify(op)}) is invalid: ${firstLine}`, options);
  }
  switch (name) {
    case 'TEST_OPERATION_FAILED':
      return new PatchError('conflict', `testing value ${path} failed: test failed`, options);
    case 'OPERATION_FROM_UNRESOLVABLE':
      return new PatchError('conflict', `${verb} operation does not apply: doc is missing from path: "${String(op.from)}": missing value`, options);
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      return new PatchError('conflict', `${verb} operation does not apply: invalid array index in path "${path}"`, options);
    default:
      return new PatchError('conflict', `${verb} operation does not apply: doc is missing path: "${path}": missing value`, options);
  }
}
