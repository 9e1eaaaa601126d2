/**
 * The one read-modify-write path behind PUT, PATCH and the subresources: the caller
 * supplies how the desired object comes out of the stored one; this file applies the
 * generic rules (server-owned metadata, spec/status separation, generation, defaults,
 * validation, Service allocations, no-op detection, removal once finalized).
 */
import type { ResourceInfo } from '@skiff/api';
import { ApiError, errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { applyDefaults, validate } from './api-deps.ts';
import { checkUnknownFields, decodeObject, dropNulls, type DecodedFrom } from './decode.ts';
import { removeNow } from './delete.ts';
import { isReadyToRemove } from './namespace-lifecycle.ts';
import { deepEqual, qualifiedOf, withTypeMeta } from './object-helpers.ts';
import { allocateForUpdate, emptyAllocations, releaseAllocations, type Allocations } from './service-allocation.ts';
import { strategyFor } from './strategy/strategy.ts';
import { isCustomResource } from './custom-resources/served-resources.ts';
import { runMutatingAdmission, runValidatingAdmission, type AdmissionAttributes } from './admission/admission.ts';
import { admissionPlugins } from './admission/plugins.ts';
import { actorOf, recordUpdate } from './apply/field-manager.ts';

export interface UpdatePlan {
  /** Produces the desired object from a private copy of the stored one. */
  transform(current: KubeObject): KubeObject | Promise<KubeObject>;
  /**
   * 'main': a write of the resource itself (status kept when there is a status subresource);
   * 'status': only the desired status is taken; 'subresource': the transform's result as is.
   */
  mode: 'main' | 'status' | 'subresource';
  /** Stored resourceVersion required (409 Conflict otherwise). */
  resourceVersion?: string;
  bumpGeneration?: boolean;
  opts: Pick<WriteOptions, 'dryRun' | 'fieldValidation' | 'user' | 'fieldManager' | 'auditAnnotations'>;
  /** The transform applied a configuration and recorded its ownership (server-side apply); otherwise the write is an Update. */
  applied?: boolean;
  /** For admission: which subresource a 'subresource' write is ('scale', 'approval', 'finalize'...). */
  subresource?: string;
  /** 'patch' when the transform applies a patch: Strict then fails as Kubernetes fails a patch. */
  decodedFrom?: DecodedFrom;
}

const SERVER_OWNED_META = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace'] as const;

export async function updateObject(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  plan: UpdatePlan,
): Promise<WriteResult> {
  const isService = plan.mode === 'main' && res.group === '' && res.resource === 'services';
  // Allocations of the attempt in flight: a CAS retry (or a failure) gives them back.
  let reserved: Allocations = emptyAllocations();
  let released: Allocations = emptyAllocations();
  // The warnings of the attempt that wins: a CAS retry decodes again.
  let warnings: string[] = [];
  const tryUpdate = async (current: KubeObject): Promise<KubeObject | undefined> => {
    await releaseAllocations(ctx, reserved);
    reserved = emptyAllocations();
    released = emptyAllocations();
    warnings = [];
    if (plan.resourceVersion && current.metadata.resourceVersion !== plan.resourceVersion) {
      throw errors.conflict(qualifiedOf(res), name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    const desired = await desiredObject(ctx, res, namespace, name, structuredClone(current), plan, warnings);
    if (isService) {
      ({ reserved, released } = await allocateForUpdate(ctx, desired, current, Boolean(plan.opts.dryRun)));
    }
    if (sameObject(desired, current)) {
      await releaseAllocations(ctx, reserved);
      reserved = emptyAllocations();
      return undefined;
    }
    return desired;
  };

  if (plan.opts.dryRun) {
    const current = await ctx.store.get(res, namespace, name);
    const result = await tryUpdate(structuredClone(current));
    // Nothing is written, so the answer carries the stored resourceVersion (as kube's
    // dry-run storage does); otherwise `kubectl diff` shows a spurious change.
    if (result) result.metadata.resourceVersion = current.metadata.resourceVersion;
    return { object: withTypeMeta(res, result ?? current), warnings };
  }
  let updated: KubeObject;
  try {
    updated = await ctx.store.guaranteedUpdate(res, namespace, name, tryUpdate, plan.resourceVersion ? { resourceVersion: plan.resourceVersion } : undefined);
  } catch (err) {
    await releaseAllocations(ctx, reserved);
    throw err;
  }
  await releaseAllocations(ctx, released);
  if (isReadyToRemove(res, updated)) await removeFinalized(ctx, res, updated);
  return { object: withTypeMeta(res, updated), warnings };
}

/** The write that dropped the last finalizer succeeded; whoever changed the object since then owns its fate. */
async function removeFinalized(ctx: RegistryContext, res: ResourceInfo, obj: KubeObject): Promise<void> {
  try {
    await removeNow(ctx, res, obj);
  } catch (err) {
    if (!(err instanceof ApiError) || (err.code !== 404 && err.code !== 409)) throw err;
    ctx.logger.debug({ object: `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`, reason: err.reason }, 'finalized object changed before removal');
  }
}

/** The object to store; unknown-field warnings are pushed onto `warnings`. */
async function desiredObject(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  current: KubeObject,
  plan: UpdatePlan,
  warnings: string[],
): Promise<KubeObject> {
  const proposed = await plan.transform(structuredClone(current));
  let desired: KubeObject;
  if (plan.mode === 'main') {
    desired = decodeObject(res, proposed);
    for (const warning of checkUnknownFields(res, desired, plan.opts.fieldValidation, plan.decodedFrom)) warnings.push(warning);
    checkIdentity(res, desired, namespace, name);
    keepServerOwned(desired, current);
    if (res.subresources.includes('status')) desired.status = structuredClone(current.status);
    if (desired.status === undefined) delete desired.status;
    strategyFor(res).prepareForUpdate(desired, current);
  } else if (plan.mode === 'status') {
    // Kubernetes' status strategies keep the stored spec and metadata; only status moves.
    desired = structuredClone(current);
    desired.status = structuredClone((proposed as KubeObject).status);
    if (plan.applied) desired.metadata.managedFields = proposed.metadata.managedFields;
  } else {
    desired = proposed;
  }
  // A null that a patch left in the status (or a subresource's result) is absent too.
  if (plan.mode !== 'main') dropNulls(res, desired);
  const attrs: AdmissionAttributes = {
    res,
    subresource: subresourceOf(plan),
    operation: 'UPDATE',
    namespace,
    name,
    object: desired,
    oldObject: current,
    user: plan.opts.user,
    dryRun: Boolean(plan.opts.dryRun),
    warnings,
    auditAnnotations: plan.opts.auditAnnotations,
  };
  await runMutatingAdmission(ctx, admissionPlugins, attrs);
  desired = applyDefaults(res, attrs.object!);
  const strategy = strategyFor(res);
  if (
    (plan.bumpGeneration ?? plan.mode !== 'status') &&
    strategy.tracksGeneration(desired) &&
    !deepEqual(generationInputs(res, desired), generationInputs(res, current))
  ) {
    desired.metadata.generation = (current.metadata.generation ?? 0) + 1;
  }
  if (!plan.applied) recordUpdate(res, current, desired, actorOf(res, plan.opts, 'Update', subresourceOf(plan)), ctx.now());
  const causes = validate(res, desired, current);
  if (causes.length > 0) throw errors.invalid(res.kind, res.group, name, causes);
  await runValidatingAdmission(ctx, admissionPlugins, { ...attrs, object: desired });
  return desired;
}

function subresourceOf(plan: UpdatePlan): string {
  return plan.mode === 'main' ? '' : plan.mode === 'status' ? 'status' : (plan.subresource ?? '');
}

/**
 * What moves metadata.generation: the spec of built-in kinds; for custom objects everything but
 * metadata and status, as apiextensions-apiserver's strategy has it (a CRD need not have a spec).
 */
function generationInputs(res: ResourceInfo, obj: KubeObject): unknown {
  if (!isCustomResource(res)) return obj.spec;
  const { metadata: _metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...rest } = obj;
  return rest;
}

function checkIdentity(res: ResourceInfo, obj: KubeObject, namespace: string | undefined, name: string): void {
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw errors.nameMismatch(obj.metadata.name, name);
  }
  obj.metadata.name = name;
  if (res.namespaced && obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

function keepServerOwned(desired: KubeObject, current: KubeObject): void {
  for (const field of SERVER_OWNED_META) {
    if (current.metadata[field] === undefined) delete desired.metadata[field];
    else desired.metadata[field] = structuredClone(current.metadata[field]) as never;
  }
  delete desired.metadata.resourceVersion;
  if (desired.metadata.managedFields === undefined && current.metadata.managedFields !== undefined) {
    desired.metadata.managedFields = structuredClone(current.metadata.managedFields);
  }
}

/** A write that would change nothing (resourceVersion aside) is not written. */
function sameObject(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, apiVersion: undefined, kind: undefined, metadata: { ...o.metadata, resourceVersion: undefined } });
  return deepEqual(strip(a), strip(b));
}

/** PUT of the resource itself. */
export function replaceObject(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  body: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  const rv = (body as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata?.resourceVersion;
  return updateObject(ctx, res, namespace, name, {
    mode: 'main',
    resourceVersion: typeof rv === 'string' && rv !== '' ? rv : undefined,
    transform: () => body as KubeObject,
    opts,
  });
}
