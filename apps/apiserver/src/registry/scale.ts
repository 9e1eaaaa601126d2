/**
 * The `scale` subresource: deployments, replicasets, statefulsets and replicationcontrollers
 * (spec.replicas, status.replicas, spec.selector) and custom resources, whose CRD names the
 * paths of the same three (specReplicasPath, statusReplicasPath, labelSelectorPath).
 */
import { apiVersionOf, type ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { PatchType, WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { formatLabelSelector, isPlainObject } from './object-helpers.ts';
import { applyPatchTo, checkForce, parsePatch } from './patch.ts';
import { checkResourceVersion, readConfiguration, requestOf, type ApplyOptions } from './apply/apply-patch.ts';
import { applyConfiguration } from './apply/field-manager.ts';
import { updateObject } from './update.ts';
import { fieldsOfSimplePath, readJsonPath } from './custom-resources/json-path.ts';
import { isCustomResource } from './custom-resources/served-resources.ts';

interface ReplicaPaths {
  spec: string[];
  status: string[];
  /** A custom resource's selector is a string at a path; a workload's is its spec.selector. */
  selector?: string;
}

const WORKLOAD_PATHS: ReplicaPaths = { spec: ['spec', 'replicas'], status: ['status', 'replicas'] };

function pathsOf(res: ResourceInfo): ReplicaPaths {
  if (!isCustomResource(res) || !res.custom.scale) return WORKLOAD_PATHS;
  const scale = res.custom.scale;
  return {
    spec: fieldsOfSimplePath(scale.specReplicasPath) ?? [],
    status: fieldsOfSimplePath(scale.statusReplicasPath) ?? [],
    selector: scale.labelSelectorPath ?? '',
  };
}

function valueAt(obj: KubeObject, fields: string[]): unknown {
  return fields.reduce<unknown>((v, f) => (isPlainObject(v) ? v[f] : undefined), obj);
}

function numberAt(obj: KubeObject, fields: string[]): number {
  const value = valueAt(obj, fields);
  return typeof value === 'number' ? value : 0;
}

function selectorOf(obj: KubeObject, paths: ReplicaPaths): string {
  if (paths.selector === undefined) return formatLabelSelector((obj.spec as { selector?: unknown } | undefined)?.selector);
  const found = paths.selector ? readJsonPath(obj, paths.selector)[0] : undefined;
  return typeof found === 'string' ? found : '';
}

/** autoscaling/v1 Scale of a workload or custom object. */
export function toScale(obj: KubeObject, res: ResourceInfo): KubeObject {
  const paths = pathsOf(res);
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: numberAt(obj, paths.spec) },
    status: { replicas: numberAt(obj, paths.status), selector: selectorOf(obj, paths) },
  };
}

export async function getScale(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
  return toScale(await ctx.store.get(res, namespace, name), res);
}

function readReplicas(scale: unknown, name: string): number {
  const replicas = isPlainObject(scale) && isPlainObject(scale.spec) ? scale.spec.replicas : undefined;
  const fail = (reason: string, message: string) => errors.invalid('Scale', 'autoscaling', name, [{ reason, field: 'spec.replicas', message }]);
  if (replicas === undefined) return 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas))
    throw fail('FieldValueInvalid', `Invalid value: ${JSON.stringify(replicas)}: must be an integer`);
  if (replicas < 0) throw fail('FieldValueInvalid', `Invalid value: ${replicas}: must be greater than or equal to 0`);
  return replicas;
}

function setReplicas(res: ResourceInfo, obj: KubeObject, replicas: number): KubeObject {
  const fields = pathsOf(res).spec;
  let cursor = obj as Record<string, unknown>;
  for (const field of fields.slice(0, -1)) {
    if (!isPlainObject(cursor[field])) cursor[field] = {};
    cursor = cursor[field] as Record<string, unknown>;
  }
  if (fields.length > 0) cursor[fields[fields.length - 1]!] = replicas;
  return obj;
}

export async function updateScale(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  body: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a Scale object');
  const meta = (isPlainObject(body.metadata) ? body.metadata : {}) as { name?: string; resourceVersion?: string };
  if (meta.name !== undefined && meta.name !== name) {
    throw errors.nameMismatch(meta.name, name);
  }
  const replicas = readReplicas(body, name);
  const result = await updateObject(ctx, res, namespace, name, {
    mode: 'subresource',
    subresource: 'scale',
    resourceVersion: meta.resourceVersion || undefined,
    transform: (current) => setReplicas(res, current, replicas),
    opts,
  });
  return { object: toScale(result.object, res) };
}

export async function patchScale(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  patchType: PatchType,
  patch: unknown,
  opts: ApplyOptions,
): Promise<WriteResult> {
  checkForce(patchType, opts);
  if (patchType === 'apply') return applyScale(ctx, res, namespace, name, patch, opts);
  const result = await updateObject(ctx, res, namespace, name, {
    mode: 'subresource',
    subresource: 'scale',
    transform: (current) => {
      const scale = applyPatchTo(toScale(current, res), patchType, patch, 'autoscaling/v1/Scale');
      return setReplicas(res, current, readReplicas(scale, name));
    },
    opts,
  });
  return { object: toScale(result.object, res) };
}

/**
 * Server-side apply of a Scale (`kubectl apply --server-side --subresource=scale`). The
 * Scale's one writable field maps onto the object's replicas path, so the apply is made
 * on the object itself as the manager's Apply entry with subresource `scale`: it owns
 * that path, conflicts with whoever else owns it, and leaves every other field alone.
 * A Scale that leaves out spec.replicas applies nothing.
 */
async function applyScale(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  patch: unknown,
  opts: ApplyOptions,
): Promise<WriteResult> {
  const config = readConfiguration(parsePatch(patch));
  if (config.metadata.name !== undefined && config.metadata.name !== name) throw errors.nameMismatch(String(config.metadata.name), name);
  const onObject = { metadata: {} } as KubeObject;
  const replicas = appliedReplicas(res, config);
  if (replicas !== undefined) setReplicas(res, onObject, readReplicas({ spec: { replicas } }, name));
  const result = await updateObject(ctx, res, namespace, name, {
    mode: 'subresource',
    subresource: 'scale',
    opts,
    applied: true,
    transform: (current) => {
      checkResourceVersion(res, name, config, current);
      return applyConfiguration(res, current, onObject, requestOf(ctx, res, opts, 'scale'));
    },
  });
  return { object: toScale(result.object, res) };
}

/**
 * The replicas an applied configuration sets: a Scale's spec.replicas, as upstream takes
 * it; or, since kubectl maps a manifest by its own kind and so sends the object itself for
 * `--subresource=scale`, the object's replicas path. Any other kind is refused in
 * upstream's words.
 */
function appliedReplicas(res: ResourceInfo, config: KubeObject): unknown {
  if (config.apiVersion === 'autoscaling/v1' && config.kind === 'Scale') return isPlainObject(config.spec) ? config.spec.replicas : undefined;
  if (config.apiVersion === apiVersionOf(res) && config.kind === res.kind) return valueAt(config, pathsOf(res).spec);
  throw errors.badRequest(`Incorrect version specified in apply patch. Specified patch version: ${String(config.apiVersion ?? '')}, expected: autoscaling/v1`);
}
