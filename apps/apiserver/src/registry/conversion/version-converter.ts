/**
 * Kinds served in more than one API version whose objects live under one etcd prefix,
 * as Kubernetes' cohabitating resources do (core/v1 and events.k8s.io/v1 Events). Each
 * such kind has one storage version — what every write is converted to before it reaches
 * etcd — and a converter that turns an object of any of its versions into any other.
 * Kubernetes converts through an internal hub type; Skiff has none, so the storage
 * version is the hub: objects are read, printed and written in it.
 *
 * A later kind plugs in with one file beside events.ts and one line in `converters`.
 */
import { apiVersionOf, findResource, type ResourceInfo } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import { horizontalPodAutoscalerConverter } from './autoscaling.ts';
import { eventConverter } from './events.ts';

export interface GroupVersion {
  group: string;
  version: string;
}

export interface VersionConverter {
  /** The plural REST name every version shares: 'events'. */
  resource: string;
  /** The version objects are stored in: Kubernetes' storage version. */
  storage: GroupVersion;
  /** The other versions served from the same objects. */
  served: GroupVersion[];
  /**
   * `obj` (of the version its apiVersion names) as `toApiVersion` would serialise it: a new
   * object that shares nothing with `obj`, which stays untouched.
   */
  convert(obj: KubeObject, toApiVersion: string): KubeObject;
}

const converters: VersionConverter[] = [eventConverter, horizontalPodAutoscalerConverter];

/**
 * The converter of a resource served in several versions, or undefined (most kinds). A
 * group and resource name one kind, so the version is not needed to find it.
 */
export function converterFor(res: Pick<ResourceInfo, 'group' | 'resource'>): VersionConverter | undefined {
  return converters.find((c) => c.resource === res.resource && (c.storage.group === res.group || c.served.some((gv) => gv.group === res.group)));
}

/** Where a resource's objects are stored: another version's ResourceInfo, or `res` itself. */
export function storageResourceOf(res: ResourceInfo): ResourceInfo {
  const converter = converterFor(res);
  if (!converter) return res;
  return findResource(converter.storage.group, converter.storage.version, converter.resource) ?? res;
}

/**
 * `obj` as the version `res` names. An object already in that version comes back as is (no
 * copy), so kinds and versions without conversion keep their exact bytes; an object without
 * apiVersion counts as the storage version, as etcd values are.
 */
export function convertToVersion(converter: VersionConverter, obj: KubeObject, res: Pick<ResourceInfo, 'group' | 'version'>): KubeObject {
  const target = apiVersionOf(res);
  const source = obj.apiVersion ?? apiVersionOf(converter.storage);
  if (source === target) return obj;
  return converter.convert(obj, target);
}

/**
 * What table printers read: the object in its storage version, as kube-apiserver prints
 * its internal objects, so one printer serves every version of a kind.
 */
export function toStorageVersion(res: Pick<ResourceInfo, 'group' | 'resource'>, obj: KubeObject): KubeObject {
  const converter = converterFor(res);
  return converter ? convertToVersion(converter, obj, converter.storage) : obj;
}
