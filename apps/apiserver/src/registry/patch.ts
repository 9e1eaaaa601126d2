/** PATCH: JSON patch, merge patch, strategic merge patch; server-side apply lives in apply/. */
import { apiVersionOf, PatchError, type ResourceInfo } from '@skiff/api';
import { ApiError, errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { PatchType, WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { patchJson, patchMerge, patchStrategic } from './api-deps.ts';
import { applyObject, checkResourceVersion } from './apply/apply-patch.ts';
import { isCustomResource } from './custom-resources/served-resources.ts';
import { isPlainObject } from './object-helpers.ts';
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
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'FieldValueInvalid', message: err.message, field: 'patch' }],
  });
}

/**
 * Which patches a resource takes: strategic merge patch needs Go struct tags a custom
 * resource has none of (415, as upstream answers), and `force` belongs to apply only.
 */
export function checkPatchRequest(res: ResourceInfo, patchType: PatchType, opts: { force?: boolean }): void {
  if (patchType === 'strategic' && isCustomResource(res)) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  }
  checkForce(patchType, opts);
}

/** `force` belongs to apply only (422 otherwise), on every endpoint. */
export function checkForce(patchType: PatchType, opts: { force?: boolean }): void {
  if (patchType !== 'apply' && opts.force !== undefined) {
    throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [
      { reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' },
    ]);
  }
}

export function patchObject(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  patchType: PatchType,
  rawPatch: unknown,
  opts: WriteOptions & { force?: boolean },
): Promise<WriteResult> {
  checkPatchRequest(res, patchType, opts);
  if (patchType === 'apply') return applyObject(ctx, res, namespace, name, parsePatch(rawPatch), opts);
  const typeKey = `${apiVersionOf(res)}/${res.kind}`;
  return updateObject(ctx, res, namespace, name, {
    mode: 'main',
    opts,
    decodedFrom: 'patch',
    transform: (current) => {
      const patched = applyPatchTo(current, patchType, rawPatch, typeKey);
      // A patch that carries metadata.resourceVersion is an optimistic-concurrency
      // precondition, as on Kubernetes: it applies only to that version of the object.
      checkResourceVersion(res, name, patched, current);
      return patched;
    },
  });
}
