import type { OwnerReference, ResourceInfo, Status } from '@skiff/api';
import { ApiStatusError, type KubeObject } from '@skiff/client';
import type { GcClient } from './object-access.ts';

export interface RecordedAction {
  verb: 'get' | 'delete' | 'patch';
  resource: string;
  namespace?: string;
  name: string;
  detail?: unknown;
}

/**
 * A client for tests: answers GETs from a fixed set of "live" objects and records every
 * call, so a test states the world and compares the actions the collector took.
 */
export class FakeGcClient implements GcClient {
  readonly actions: RecordedAction[] = [];
  readonly #objects = new Map<string, KubeObject>();

  constructor(objects: KubeObject[] = []) {
    for (const obj of objects) this.put(obj);
  }

  put(obj: KubeObject): void {
    this.#objects.set(keyOf(obj.kind ?? '', obj.metadata?.namespace, obj.metadata?.name ?? ''), obj);
  }

  /** Writes only, the calls that change the world. */
  get writes(): RecordedAction[] {
    return this.actions.filter((a) => a.verb !== 'get');
  }

  get<T extends KubeObject>(res: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    this.actions.push({ verb: 'get', resource: res.resource, namespace, name });
    const obj = this.#objects.get(keyOf(res.kind, namespace, name));
    if (!obj) return Promise.reject(notFound(res, name));
    return Promise.resolve(structuredClone(obj) as T);
  }

  delete<T extends KubeObject>(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: { propagationPolicy?: string; preconditions?: unknown } = {},
  ): Promise<T | Status> {
    this.actions.push({
      verb: 'delete',
      resource: res.resource,
      namespace,
      name,
      detail: { propagationPolicy: opts.propagationPolicy, preconditions: opts.preconditions },
    });
    return Promise.resolve({ kind: 'Status', apiVersion: 'v1', status: 'Success' } as Status);
  }

  patch<T extends KubeObject>(res: ResourceInfo, namespace: string | undefined, name: string, type: string, patch: unknown): Promise<T> {
    this.actions.push({ verb: 'patch', resource: res.resource, namespace, name, detail: { type, patch } });
    return Promise.resolve({} as T);
  }
}

function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}|${namespace ?? ''}|${name}`;
}

export function notFound(res: ResourceInfo, name: string): ApiStatusError {
  return new ApiStatusError({
    apiVersion: 'v1',
    kind: 'Status',
    status: 'Failure',
    code: 404,
    reason: 'NotFound',
    message: `${res.resource} "${name}" not found`,
  } as Status);
}

/** An ownerReference to `owner`, controller and (by default) blocking, as controllers write them. */
export function ownerRef(owner: KubeObject, block = true): OwnerReference {
  return {
    apiVersion: owner.apiVersion!,
    kind: owner.kind!,
    name: owner.metadata!.name!,
    uid: owner.metadata!.uid!,
    controller: true,
    blockOwnerDeletion: block,
  };
}

/** A test object in namespace default (override with meta.namespace). */
export function obj(apiVersion: string, kind: string, name: string, uid: string, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { namespace: 'default', name, uid, resourceVersion: '1', ...meta } } as KubeObject;
}
