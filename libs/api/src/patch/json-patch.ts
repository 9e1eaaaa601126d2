import jsonPatch from 'fast-json-patch';
import type { CopyOperation, Operation } from 'fast-json-patch';
import { PatchError } from './patch-error.ts';
import { describeJson } from './merge-patch.ts';
import { isJsonObject } from './json-value.ts';

/** Kubernetes' maxJSONPatchOperations: a longer patch is refused before any operation runs. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/**
 * Kubernetes' default JSONPatchMaxCopyBytes (3 MiB, the same as its request body limit):
 * the bytes all `copy` operations of one patch may add. Without it a patch amplifies
 * itself — each `{"op":"copy","from":"/metadata","path":"/metadata/x"}` doubles
 * metadata, so 30 of them in a 3 KB body ask for 2^30 times the object.
 */
export const DEFAULT_MAX_COPY_BYTES = 3 * 1024 * 1024;

export interface JsonPatchOptions {
  /** Bytes that `copy` operations may add in total (JSON size of each copied value). */
  maxCopyBytes?: number;
}

/**
 * RFC 6902 JSON patch (`application/json-patch+json`). Returns a new document; neither
 * input is changed. Every failure is a PatchError: a body that is not a list of
 * well-formed operations is 'invalid' (400); more than MAX_JSON_PATCH_OPERATIONS
 * operations is 'tooLarge' (413); a patch that does not fit this document — a `test`
 * that fails, a path or `from` that does not exist, an index out of range, copies past
 * the copy budget — is 'conflict', which Kubernetes answers with 422. The messages
 * follow the ones Kubernetes users see (`testing value /spec/replicas failed: test failed`).
 */
export function applyJsonPatch(doc: unknown, ops: unknown, options: JsonPatchOptions = {}): unknown {
  if (!Array.isArray(ops)) {
    throw new PatchError('invalid', `json patch must be a JSON array of operations, got ${describeJson(ops)}`);
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError('tooLarge', `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  ops.forEach((op, index) => {
    if (!isJsonObject(op)) {
      throw new PatchError('invalid', `json patch operation ${index} must be a JSON object, got ${describeJson(op)}`);
    }
  });
  // Operations are cloned too: fast-json-patch inserts `value` by reference.
  const operations = structuredClone(ops) as Operation[];
  const copyBudget = new CopyBudget(options.maxCopyBytes ?? DEFAULT_MAX_COPY_BYTES);
  let document = structuredClone(doc);
  operations.forEach((operation, index) => {
    try {
      if (operation.op === 'copy') copyBudget.charge(document, operation);
      document = jsonPatch.applyOperation(document, operation, validateOperation, true, true, index).newDocument;
    } catch (err) {
      if (err instanceof PatchError) throw err;
      throw toPatchError(err, operation, index);
    }
  });
  return document;
}

/**
 * fast-json-patch's validator, except that a move's or copy's `from` is resolved in
 * place: the library checks it by patching a deep clone of the whole document, which
 * makes 10,000 moves on a large object cost 10,000 clones of it.
 */
function validateOperation(operation: Operation, index: number, document: unknown, existingPath: string): void {
  if ((operation.op !== 'move' && operation.op !== 'copy') || document === undefined) {
    jsonPatch.validator(operation, index, document, existingPath);
    return;
  }
  jsonPatch.validator(operation, index);
  if (valueAt(document, operation.from) === undefined) {
    throw new jsonPatch.JsonPatchError(
      'Cannot perform the operation from a path that does not exist',
      'OPERATION_FROM_UNRESOLVABLE',
      index,
      operation,
      document,
    );
  }
}

/** The value a JSON pointer names, or undefined when it names nothing. */
function valueAt(document: unknown, pointer: string): unknown {
  try {
    return jsonPatch.getValueByPointer(document, pointer);
  } catch {
    return undefined;
  }
}

/** What evanphx/json-patch's AccumulatedCopySizeLimit counts: the JSON size of every copied value. */
class CopyBudget {
  private spent = 0;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  charge(document: unknown, operation: CopyOperation): void {
    const value = valueAt(document, operation.from);
    // Sizing stringifies the value, as the copy itself is about to; the budget bounds the total.
    this.spent += Buffer.byteLength(JSON.stringify(value) ?? '');
    if (this.spent > this.limit) {
      throw new PatchError(
        'conflict',
        `Unable to complete the copy, the accumulated size increase of copy is ${this.spent}, exceeding the limit ${this.limit}`,
        { path: operation.path },
      );
    }
  }
}

/** Errors that depend on the document rather than on the operation's own shape. */
const documentErrors = new Set([
  'TEST_OPERATION_FAILED',
  'OPERATION_PATH_UNRESOLVABLE',
  'OPERATION_PATH_CANNOT_ADD',
  'OPERATION_FROM_UNRESOLVABLE',
  'OPERATION_VALUE_OUT_OF_BOUNDS',
  'OPERATION_PATH_ILLEGAL_ARRAY_INDEX',
]);

function toPatchError(err: unknown, operation: Operation, index: number): PatchError {
  const name = (err as { name?: unknown }).name;
  const op = operation as unknown as Record<string, unknown>;
  if (typeof name !== 'string' || !(err instanceof jsonPatch.JsonPatchError)) {
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
