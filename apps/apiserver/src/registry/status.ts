/** The `status` subresource: writes move status only; spec and metadata stay as stored. */
import { apiVersionOf, type ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import type { PatchType, WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { decodeObject } from './decode.ts';
import { applyStatus } from './apply/apply-patch.ts';
import { applyPatchTo, checkPatchRequest, parsePatch } from './patch.ts';
import { updateObject } from './update.ts';

export function updateStatus(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions): Promise<WriteResult> {
  const obj = decodeObject(res, body);
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw errors.nameMismatch(obj.metadata.name, name);
  }
  const rv = obj.metadata.resourceVersion;
  return updateObject(ctx, res, namespace, name, {
    mode: 'status',
    resourceVersion: rv ? rv : undefined,
    transform: () => obj,
    opts,
  });
}

export function patchStatus(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, opts: WriteOptions & { force?: boolean }): Promise<WriteResult> {
  checkPatchRequest(res, patchType, opts);
  if (patchType === 'apply') return applyStatus(ctx, res, namespace, name, parsePatch(patch), opts);
  const typeKey = `${apiVersionOf(res)}/${res.kind}`;
  return updateObject(ctx, res, namespace, name, {
    mode: 'status',
    transform: (current) => applyPatchTo(current, patchType, patch, typeKey),
    opts,
  });
}
