/**
 * POST: decode (apiVersion/kind, unknown fields), namespace checks and lifecycle, then
 * server-set metadata, the kind's PrepareForCreate, defaults, validation, Service
 * allocations, and an atomic create (generateName retries on a name clash).
 */
import { randomUUID } from 'node:crypto';
import type { ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { applyDefaults, validate } from './api-deps.ts';
import { checkUnknownFields, decodeObject, reconcileNamespace, type DecodedFrom } from './decode.ts';
import { checkNamespaceAcceptsCreate } from './namespace-lifecycle.ts';
import { formatTimestamp, qualifiedOf, randomNameSuffix, withTypeMeta } from './object-helpers.ts';
import { isAlreadyExists } from './range-allocator.ts';
import { allocateForCreate, emptyAllocations, releaseAllocations, type Allocations } from './service-allocation.ts';
import { strategyFor } from './strategy/strategy.ts';
import { runMutatingAdmission, runValidatingAdmission, type AdmissionAttributes } from './admission/admission.ts';
import { admissionPlugins } from './admission/plugins.ts';
import { actorOf, recordUpdate } from './apply/field-manager.ts';

const GENERATE_NAME_ATTEMPTS = 8;

export async function createObject(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  body: unknown,
  opts: WriteOptions,
  extra: { applied?: boolean; decodedFrom?: DecodedFrom } = {},
): Promise<WriteResult> {
  const obj = decodeObject(res, body);
  const warnings = checkUnknownFields(res, obj, opts.fieldValidation, extra.decodedFrom);
  reconcileNamespace(res, obj, namespace);
  const generateName = !obj.metadata.name && typeof obj.metadata.generateName === 'string' ? obj.metadata.generateName : undefined;
  if (!obj.metadata.name && !generateName) {
    throw errors.invalid(res.kind, res.group, '', [
      { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
    ]);
  }
  if (generateName) obj.metadata.name = generateName + randomNameSuffix();
  if (res.namespaced) await checkNamespaceAcceptsCreate(ctx, res, obj.metadata.namespace!, obj.metadata.name!);

  const attrs: AdmissionAttributes = {
    res,
    subresource: '',
    operation: 'CREATE',
    namespace: obj.metadata.namespace,
    name: obj.metadata.name!,
    object: obj,
    user: opts.user,
    dryRun: Boolean(opts.dryRun),
    warnings,
    auditAnnotations: opts.auditAnnotations,
  };
  await runMutatingAdmission(ctx, admissionPlugins, attrs);
  const prepared = prepareNewObject(ctx, res, attrs.object!, { fieldManager: opts.fieldManager, user: opts.user, applied: extra.applied });
  await runValidatingAdmission(ctx, admissionPlugins, { ...attrs, object: prepared });
  const isService = res.group === '' && res.resource === 'services';
  const allocations: Allocations = isService ? await allocateForCreate(ctx, prepared, Boolean(opts.dryRun)) : emptyAllocations();
  if (opts.dryRun) return { object: withTypeMeta(res, prepared), created: true, warnings };
  try {
    return { object: withTypeMeta(res, await writeNew(ctx, res, prepared, generateName)), created: true, warnings };
  } catch (err) {
    await releaseAllocations(ctx, allocations);
    throw err;
  }
}

/** Server-set metadata, the kind's PrepareForCreate, defaults and validation. */
export function prepareNewObject(
  ctx: RegistryContext,
  res: ResourceInfo,
  input: KubeObject,
  opts: Pick<WriteOptions, 'fieldManager' | 'user'> & { applied?: boolean },
): KubeObject {
  const meta = input.metadata;
  // An applied configuration arrives with its ownership recorded; a plain create is an Update.
  const applied = opts.applied ? meta.managedFields : undefined;
  for (const field of ['resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'generation', 'managedFields'] as const)
    delete meta[field];
  meta.uid = randomUUID();
  meta.creationTimestamp = formatTimestamp(ctx.now());
  const strategy = strategyFor(res);
  strategy.prepareForCreate(input);
  const obj = applyDefaults(res, input);
  if (strategy.tracksGeneration(obj)) obj.metadata.generation = 1;
  if (applied) obj.metadata.managedFields = applied;
  else if (!opts.applied) recordUpdate(res, undefined, obj, actorOf(res, opts, 'Update', ''), ctx.now());
  const causes = validate(res, obj);
  if (causes.length > 0) throw errors.invalid(res.kind, res.group, obj.metadata.name ?? '', causes);
  return obj;
}

async function writeNew(ctx: RegistryContext, res: ResourceInfo, obj: KubeObject, generateName: string | undefined): Promise<KubeObject> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.store.create(res, obj);
    } catch (err) {
      if (!generateName || !isAlreadyExists(err)) throw err;
      if (attempt >= GENERATE_NAME_ATTEMPTS) {
        throw errors.alreadyExists(qualifiedOf(res), obj.metadata.name ?? '');
      }
      obj.metadata.name = generateName + randomNameSuffix();
    }
  }
}
