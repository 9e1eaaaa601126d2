/**
 * PATCH with `application/apply-patch+yaml`: server-side apply of the object or of its
 * status. The object is created when absent (not through status, as upstream).
 */
import type { ResourceInfo } from '@skiff/api';
import { errors, type ApiError } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import { createObject } from '../create.ts';
import type { WriteOptions, WriteResult } from '../handlers.ts';
import { isPlainObject } from '../object-helpers.ts';
import { isAlreadyExists, isNotFound } from '../range-allocator.ts';
import { updateObject } from '../update.ts';
import { actorOf, applyConfiguration, type ApplyRequest } from './field-manager.ts';

export type ApplyOptions = WriteOptions & { force?: boolean };

/** The applied configuration as an object; upstream refuses one that carries managedFields. */
export function readConfiguration(body: unknown): KubeObject {
  if (!isPlainObject(body)) throw errors.badRequest('apply patch must be a YAML or JSON object');
  const config = structuredClone(body) as KubeObject;
  config.metadata = isPlainObject(config.metadata) ? config.metadata : {};
  if (config.metadata.managedFields !== undefined && config.metadata.managedFields !== null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }
  delete config.metadata.managedFields;
  return config;
}

/** A configuration that names a resourceVersion applies only to that version, as any patch does. */
export function checkResourceVersion(res: ResourceInfo, name: string, patched: KubeObject, current: KubeObject): void {
  const wanted = patched.metadata?.resourceVersion;
  if (wanted !== undefined && wanted !== current.metadata.resourceVersion) {
    throw errors.conflict(
      { group: res.group, resource: res.resource },
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }
}

export function requestOf(ctx: RegistryContext, res: ResourceInfo, opts: ApplyOptions, subresource: string): ApplyRequest {
  return { actor: actorOf(res, opts, 'Apply', subresource), force: opts.force === true, now: ctx.now() };
}

export async function applyObject(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  body: unknown,
  opts: ApplyOptions,
): Promise<WriteResult> {
  const config = readConfiguration(body);
  if (config.metadata.name !== undefined && config.metadata.name !== name) throw errors.nameMismatch(String(config.metadata.name), name);
  const update = () =>
    updateObject(ctx, res, namespace, name, {
      mode: 'main',
      opts,
      decodedFrom: 'patch',
      applied: true,
      transform: (current) => {
        checkResourceVersion(res, name, config, current);
        return applyConfiguration(res, current, config, requestOf(ctx, res, opts, ''));
      },
    });
  try {
    return await update();
  } catch (err) {
    if (!isNotFound(err) || (err as ApiError).details?.kind !== res.resource) throw err;
  }
  const created = applyConfiguration(res, undefined, { ...config, metadata: { ...config.metadata, name } }, requestOf(ctx, res, opts, ''));
  try {
    return await createObject(ctx, res, namespace, created, opts, { applied: true, decodedFrom: 'patch' });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return update();
  }
}

/** `prune` sees the applied object before it is written (status.ts: a custom object's pruning warnings). */
export function applyStatus(
  ctx: RegistryContext,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  body: unknown,
  opts: ApplyOptions,
  prune: (obj: KubeObject) => KubeObject = (obj) => obj,
): Promise<WriteResult> {
  const config = readConfiguration(body);
  return updateObject(ctx, res, namespace, name, {
    mode: 'status',
    opts,
    applied: true,
    transform: (current) => {
      checkResourceVersion(res, name, config, current);
      return prune(applyConfiguration(res, current, config, requestOf(ctx, res, opts, 'status')));
    },
  });
}
