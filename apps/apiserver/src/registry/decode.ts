/**
 * Checks shared by create and update on the object a client sent: it is an object of the
 * resource's apiVersion and kind, and has no fields the schema does not know.
 */
import { apiVersionOf, type ResourceInfo } from '@skiff/api';
import { errors } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { WriteOptions } from './handlers.ts';
import { findUnknown } from './api-deps.ts';
import { deleteFieldPath, isPlainObject } from './object-helpers.ts';

/** A private copy of the body as a KubeObject with apiVersion/kind checked and set. */
export function decodeObject(res: ResourceInfo, body: unknown): KubeObject {
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a JSON or YAML object');
  const obj = structuredClone(body) as KubeObject;
  const expectedVersion = apiVersionOf(res);
  if (obj.apiVersion !== undefined && obj.apiVersion !== expectedVersion) {
    throw errors.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expectedVersion})`);
  }
  if (obj.kind !== undefined && obj.kind !== res.kind) {
    throw errors.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${res.kind})`);
  }
  obj.apiVersion = expectedVersion;
  obj.kind = res.kind;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isPlainObject(obj.metadata)) throw errors.badRequest('metadata must be an object');
  return obj;
}

/** Strict: unknown fields are a 400 as kube's strict decoder says it; Warn/Ignore: dropped. */
export function checkUnknownFields(res: ResourceInfo, obj: KubeObject, validation: WriteOptions['fieldValidation']): void {
  const unknown = findUnknown(apiVersionOf(res), res.kind, obj);
  if (unknown.length === 0) return;
  if ((validation ?? 'Strict') === 'Strict') {
    throw errors.badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
  }
  for (const path of unknown) deleteFieldPath(obj, path);
}

/** The body's namespace must agree with the URL's; it defaults from it. Cluster-scoped objects have none. */
export function reconcileNamespace(res: ResourceInfo, obj: KubeObject, namespace: string | undefined): void {
  if (!res.namespaced) {
    delete obj.metadata.namespace;
    return;
  }
  const inBody = obj.metadata.namespace;
  if (inBody && namespace && inBody !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const ns = namespace || inBody;
  if (!ns) throw errors.badRequest('the namespace of the object is required: the request names none');
  obj.metadata.namespace = ns;
}
