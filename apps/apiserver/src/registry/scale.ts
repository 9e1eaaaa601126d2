/**
 * The `scale` subresource: deployments, replicasets, statefulsets and replicationcontrollers
 * (spec.replicas, status.replicas, spec.selector) and custom resources, whose CRD names the
 * paths of the same three (specReplicasPath, statusReplicasPath, labelSelectorPath).
 */
import type { ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { PatchType, WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { formatLabelSelector, isPlainObject } from './object-helpers.ts';
import { applyPatchTo } from './patch.ts';
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
  return { spec: fieldsOfSimplePath(scale.specReplicasPath) ?? [], status: fieldsOfSimplePath(scale.statusReplicasPath) ?? [], selector: scale.labelSelectorPath ?? '' };
}

function numberAt(obj: KubeObject, fields: string[]): number {
  const value = fields.reduce<unknown>((v, f) => (isPlainObject(v) ? v[f] : undefined), obj);
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
    apiVersion: 'autoscaling/v1', kind: 'Scale',
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
  const fail = (reason: string, message: string) =>
    errors.invalid('Scale', 'autoscaling', name, [{ reason, field: 'spec.replicas', message }]);
  if (replicas === undefined) return 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas)) throw fail('FieldValueInvalid', `Invalid value: ${JSON.stringify(replicas)}: must be an integer`);
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

export async function updateScale(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions): Promise<WriteResult> {
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a Scale object');
  const meta = (isPlainObject(body.metadata) ? body.metadata : {}) as { name?: string; resourceVersion?: string };
  if (meta.name !== undefined && meta.name !== name) {
    throw errors.nameMismatch(meta.name, name);
  }
  const replicas = readReplicas(body, name);
  const result = await updateObject(ctx, res, namespace, name, {
    mode: 'subresource', subresource: 'scale',
    resourceVersion: meta.resourceVersion || undefined,
    transform: (current) => setReplicas(res, current, replicas),
    opts,
  });
  return { object: toScale(result.object, res) };
}

export async function patchScale(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, opts: WriteOptions): Promise<WriteResult> {
  const result = await updateObject(ctx, res, namespace, name, {
    mode: 'subresource', subresource: 'scale',
    transform: (current) => {
      const scale = applyPatchTo(toScale(current, res), patchType === 'apply' ? 'strategic' : patchType, patch, 'autoscaling/v1/Scale');
      return setReplicas(res, current, readReplicas(scale, name));
    },
    opts,
  });
  return { object: toScale(result.object, res) };
}
