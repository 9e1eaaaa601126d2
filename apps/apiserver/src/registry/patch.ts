/** PATCH: JSON patch, merge patch, strategic merge patch and (minimal) server-side apply. */
import { apiVersionOf, PatchError, type ResourceInfo } from '@skiff/api';
import { ApiError, errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { PatchType, WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { patchJson, patchMerge, patchStrategic } from './api-deps.ts';
import { createObject, recordManager } from './create.ts';
import { deepEqual, isPlainObject } from './object-helpers.ts';
import { isAlreadyExists, isNotFound } from './range-allocator.ts';
import { updateObject } from './update.ts';

/** The patch as a value: the HTTP layer may hand over the raw text. */
export function parsePatch(patch: unknown): unknown {
  const text = typeof patch === 'string' ? patch : patch instanceof Uint8Array ? Buffer.from(patch).toString('utf8') : undefined;
  if (text === undefined) return patch;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

/**
 * Applies a patch to a document. Malformed patches are 400; a patch that cannot apply
 * (a failed `test`, a missing path) is 422 with the library's message as the cause.
 */
export function applyPatchTo(doc: KubeObject, patchType: PatchType, rawPatch: unknown, typeKey: string): KubeObject {
  const patch = parsePatch(rawPatch);
  if (patchType === 'json' && !Array.isArray(patch)) throw errors.badRequest('json patch must be a JSON array of operations');
  if (patchType !== 'json' && !isPlainObject(patch)) throw errors.badRequest(`${patchType} patch must be a JSON object`);
  let out: unknown;
  try {
    if (patchType === 'json') out = patchJson(doc, patch);
    else if (patchType === 'merge') out = patchMerge(doc, patch);
    else out = patchStrategic(doc, patch, typeKey);
  } catch (err) {
    throw patchFailure(err);
  }
  if (!isPlainObject(out)) throw new ApiError(422, 'Invalid', 'the patch did not produce an object');
  return out as KubeObject;
}

/** PatchError kinds map as Kubernetes answers: malformed 400, not applicable 422, too many operations 413, unsupported 415. */
function patchFailure(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (!(err instanceof PatchError)) return errors.badRequest((err as Error)?.message ?? String(err));
  if (err.kind === 'invalid') return errors.badRequest(err.message);
  if (err.kind === 'unsupported') return new ApiError(415, 'UnsupportedMediaType', err.message);
  if (err.kind === 'tooLarge') return new ApiError(413, 'RequestEntityTooLarge', err.message);
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request',
    { causes: [{ reason: 'FieldValueInvalid', message: err.message, field: 'patch' }] });
}

export async function patchObject(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, name: string, patchType: PatchType, rawPatch: unknown, opts: WriteOptions & { force?: boolean }): Promise<WriteResult> {
  const typeKey = `${apiVersionOf(res)}/${res.kind}`;
  const apply = patchType === 'apply';
  const manager = opts.fieldManager;
  if (apply && !manager) throw errors.badRequest('fieldManager is required for apply requests');
  const run = () => updateObject(ctx, res, namespace, name, {
    mode: 'main',
    opts,
    decodedFrom: 'patch',
    transform: (current) => {
      // Apply: the applied configuration merges onto the live object like a strategic merge patch.
      const patched = applyPatchTo(current, apply ? 'strategic' : patchType, rawPatch, typeKey);
      // A patch that carries metadata.resourceVersion is an optimistic-concurrency
      // precondition, as on Kubernetes: it applies only to that version of the object.
      const wanted = patched.metadata?.resourceVersion;
      if (wanted !== undefined && wanted !== current.metadata.resourceVersion) {
        throw errors.conflict({ group: res.group, resource: res.resource }, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      if (apply && !(hasManager(current, manager!) && sameContent(patched, current))) recordManager(patched, manager!, 'Apply', ctx.now());
      return patched;
    },
  });
  if (!apply) return run();
  try {
    return await run();
  } catch (err) {
    if (!isNotFound(err) || (err as ApiError).details?.kind !== res.resource) throw err;
  }
  // Server-side apply creates what is absent.
  const body = parsePatch(rawPatch);
  if (!isPlainObject(body)) throw errors.badRequest('apply patch must be a YAML or JSON object');
  const obj = structuredClone(body) as KubeObject;
  obj.metadata = { ...(isPlainObject(obj.metadata) ? obj.metadata : {}) };
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw errors.nameMismatch(obj.metadata.name, name);
  }
  obj.metadata.name = name;
  try {
    return await createObject(ctx, res, namespace, obj, opts, { apply: true, decodedFrom: 'patch' });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return run();
  }
}

function hasManager(obj: KubeObject, manager: string): boolean {
  return ((obj.metadata.managedFields ?? []) as { manager?: string; operation?: string }[]).some((e) => e.manager === manager && e.operation === 'Apply');
}

/** Whether an apply changed anything but bookkeeping: an unchanged re-apply must not write. */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined, resourceVersion: undefined } });
  return deepEqual(strip(a), strip(b));
}
