/**
 * CertificateSigningRequests: on create the server records who asked (spec.username,
 * groups, uid) — signers and approvers decide on that, never on what the client claims —
 * and the `approval` subresource moves only status.conditions (Approved/Denied), as
 * kube's approval strategy does; the certificate itself goes through `status`.
 */
import { apiVersionOf, type ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { PatchType, UserInfo, WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { decodeObject } from './decode.ts';
import { applyPatchTo } from './patch.ts';
import { updateObject } from './update.ts';

/** Written beside the CSR admission plugins, which cannot import this file (it imports update.ts, which runs them). */
export { isCsrResource as isCertificateSigningRequests } from './admission/certificate-signing-authorization.ts';

/** Overwrites the requester fields from the authenticated user. */
export function stampRequester(body: unknown, user: UserInfo): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const spec = (body as { spec?: unknown }).spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return body;
  const s = spec as Record<string, unknown>;
  s.username = user.username;
  s.groups = [...user.groups];
  delete s.uid;
  delete s.extra;
  return body;
}

function takeConditions(current: KubeObject, proposed: KubeObject): KubeObject {
  const status = (current.status ?? {}) as Record<string, unknown>;
  const conditions = (proposed.status as { conditions?: unknown } | undefined)?.conditions;
  current.status = { ...status, conditions: conditions ?? [] };
  return current;
}

export function updateApproval(ctx: RegistryContext, res: ResourceInfo, name: string, body: unknown, opts: WriteOptions): Promise<WriteResult> {
  const obj = decodeObject(res, body);
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw errors.nameMismatch(obj.metadata.name, name);
  }
  const rv = obj.metadata.resourceVersion;
  return updateObject(ctx, res, undefined, name, {
    mode: 'subresource',
    subresource: 'approval',
    resourceVersion: rv ? rv : undefined,
    bumpGeneration: false,
    transform: (current) => takeConditions(current, obj),
    opts,
  });
}

export function patchApproval(
  ctx: RegistryContext,
  res: ResourceInfo,
  name: string,
  patchType: PatchType,
  patch: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  const typeKey = `${apiVersionOf(res)}/${res.kind}`;
  return updateObject(ctx, res, undefined, name, {
    mode: 'subresource',
    subresource: 'approval',
    bumpGeneration: false,
    transform: (current) => takeConditions(current, applyPatchTo(structuredClone(current), patchType === 'apply' ? 'strategic' : patchType, patch, typeKey)),
    opts,
  });
}
