/** The `status` subresource: writes move status only; spec and metadata stay as stored. */
import { apiVersionOf, type ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { PatchType, WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { checkUnknownFields, decodeObject, type DecodedFrom } from './decode.ts';
import { isCustomResource } from './custom-resources/served-resources.ts';
import { applyStatus } from './apply/apply-patch.ts';
import { applyPatchTo, checkPatchRequest, parsePatch } from './patch.ts';
import { updateObject } from './update.ts';

export function updateStatus(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  body: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  const obj = decodeObject(res, body);
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw errors.nameMismatch(obj.metadata.name, name);
  }
  const rv = obj.metadata.resourceVersion;
  return withPruningWarnings(res, opts, 'body', (prune) =>
    updateObject(ctx, res, namespace, name, {
      mode: 'status',
      resourceVersion: rv ? rv : undefined,
      transform: () => prune(structuredClone(obj)),
      opts,
    }),
  );
}

export function patchStatus(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  patchType: PatchType,
  patch: unknown,
  opts: WriteOptions & { force?: boolean },
): Promise<WriteResult> {
  checkPatchRequest(res, patchType, opts);
  if (patchType === 'apply') return withPruningWarnings(res, opts, 'patch', (prune) => applyStatus(ctx, res, namespace, name, parsePatch(patch), opts, prune));
  const typeKey = `${apiVersionOf(res)}/${res.kind}`;
  return withPruningWarnings(res, opts, 'patch', (prune) =>
    updateObject(ctx, res, namespace, name, {
      mode: 'status',
      transform: (current) => prune(applyPatchTo(current, patchType, patch, typeKey) as KubeObject),
      opts,
    }),
  );
}

/**
 * A custom object's status write decodes the whole object as a write of the object does, so
 * the fields its schema prunes warn (`unknown field "status.x"`) or, with Strict, refuse the
 * write (400 for a body, 422 for a patch's result), as apiextensions-apiserver answers.
 * Built-in kinds keep their status strategies' behaviour. The warnings of the attempt that
 * wins (a compare-and-swap retry transforms again) join the write's own.
 */
async function withPruningWarnings(
  res: ResourceInfo,
  opts: WriteOptions,
  from: DecodedFrom,
  write: (prune: (obj: KubeObject) => KubeObject) => Promise<WriteResult>,
): Promise<WriteResult> {
  if (!isCustomResource(res)) return write((obj) => obj);
  let warnings: string[] = [];
  const result = await write((obj) => {
    warnings = checkUnknownFields(res, obj, opts.fieldValidation, from);
    return obj;
  });
  return { ...result, warnings: [...warnings, ...(result.warnings ?? [])] };
}
