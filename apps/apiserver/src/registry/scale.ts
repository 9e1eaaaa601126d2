/** The `scale` subresource of deployments, replicasets, statefulsets and replicationcontrollers. */
import type { ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { PatchType, WriteOptions, WriteResult } from './handlers.ts';
import type { RegistryContext } from './context.ts';
import { formatLabelSelector, isPlainObject } from './object-helpers.ts';
import { applyPatchTo } from './patch.ts';
import { updateObject } from './update.ts';

interface ScaleSpec { replicas?: number; selector?: unknown }

/** autoscaling/v1 Scale of a workload. */
export function toScale(obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as ScaleSpec;
  const status = (obj.status ?? {}) as { replicas?: number };
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    apiVersion: 'autoscaling/v1', kind: 'Scale',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: formatLabelSelector(spec.selector) },
  };
}

export async function getScale(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
  return toScale(await ctx.store.get(res, namespace, name));
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

function setReplicas(obj: KubeObject, replicas: number): KubeObject {
  obj.spec = { ...(obj.spec as object | undefined), replicas };
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
    transform: (current) => setReplicas(current, replicas),
    opts,
  });
  return { object: toScale(result.object) };
}

export async function patchScale(ctx: RegistryContext, res: ResourceInfo, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, opts: WriteOptions): Promise<WriteResult> {
  const result = await updateObject(ctx, res, namespace, name, {
    mode: 'subresource', subresource: 'scale',
    transform: (current) => {
      const scale = applyPatchTo(toScale(current), patchType === 'apply' ? 'strategic' : patchType, patch, 'autoscaling/v1/Scale');
      return setReplicas(current, readReplicas(scale, name));
    },
    opts,
  });
  return { object: toScale(result.object) };
}
