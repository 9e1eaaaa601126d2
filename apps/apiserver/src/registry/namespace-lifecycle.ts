/**
 * Namespace lifecycle admission: content can only be created in a namespace that exists
 * and is not being terminated (the namespace controller is emptying it).
 */
import type { ResourceInfo } from '@skiff/api';
import { ApiError, errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { RegistryContext } from './context.ts';
import { qualifiedOf } from './object-helpers.ts';
import { isNamespaceTerminating } from './strategy/namespace.ts';

export const namespacesResource: ResourceInfo = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  resource: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  categories: [],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status', 'finalize'],
};

export async function checkNamespaceAcceptsCreate(ctx: RegistryContext, res: ResourceInfo, namespace: string, name: string): Promise<void> {
  const ns = await ctx.namespaces.get(namespace);
  if (!ns) throw errors.notFound({ group: '', resource: 'namespaces' }, namespace);
  if (isNamespaceTerminating(ns)) {
    const message = `unable to create new content in namespace ${namespace} because it is being terminated`;
    const base = errors.forbidden(qualifiedOf(res), name, message);
    throw new ApiError(403, 'Forbidden', base.message, {
      ...base.details,
      causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }],
    });
  }
}

/**
 * An object marked for deletion whose finalizers are all gone (and, for a namespace, whose
 * spec.finalizers are gone too) is removed for real. A pod in its grace period stays until
 * the kubelet confirms with a grace-0 delete.
 */
export function isReadyToRemove(res: ResourceInfo, obj: KubeObject): boolean {
  const meta = obj.metadata;
  if (!meta.deletionTimestamp || (meta.finalizers?.length ?? 0) > 0) return false;
  if (res.group === '' && res.resource === 'namespaces') {
    return ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) === 0;
  }
  return (meta.deletionGracePeriodSeconds ?? 0) === 0;
}
