/**
 * Decoding shared by create, update and every patch, on the object a client sent or a
 * patch produced: it is an object of the resource's apiVersion and kind, its explicit
 * nulls mean what they mean to Kubernetes' Go decoder, and fields the schema does not
 * know are refused, warned about or dropped as `fieldValidation` asks.
 */
import { apiVersionOf, dropNullFields, type ResourceInfo } from '@skiff/api';
import { errors, type ApiError } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { WriteOptions } from './handlers.ts';
import { findUnknown } from './api-deps.ts';
import { deleteFieldPath, isPlainObject } from './object-helpers.ts';
import { pruneCustomObject } from './custom-resources/custom-object.ts';
import { isCustomResource } from './custom-resources/served-resources.ts';

/**
 * A private copy of the body as a KubeObject with apiVersion/kind checked and set, and
 * nulls read as Go reads them (see dropNullFields): `nodePort: null` is no nodePort.
 */
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
  dropNulls(res, obj);
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isPlainObject(obj.metadata)) throw errors.badRequest('metadata must be an object');
  return obj;
}

/** In place, for writes that do not go through decodeObject (status, subresources). */
export function dropNulls(res: ResourceInfo, obj: KubeObject): void {
  dropNullFields(apiVersionOf(res), res.kind, obj);
}

/** Where the object being decoded came from: Kubernetes words a strict failure differently for each. */
export type DecodedFrom = 'body' | 'patch';

/**
 * Unknown fields as kube-apiserver treats them since 1.23: Warn (the default when the
 * request names none) drops them and returns one warning each, `unknown field "spec.foo"`,
 * for the response's Warning header; Ignore drops them silently; Strict (kubectl asks for
 * it) refuses the write — 400 for a body, 422 on `patch` for a patch's result, in the
 * words kube uses for each. Returns the warnings.
 */
export function checkUnknownFields(res: ResourceInfo, obj: KubeObject, validation: WriteOptions['fieldValidation'], from: DecodedFrom = 'body'): string[] {
  const mode = validation ?? 'Warn';
  // A custom object's unknown fields are those its schema prunes (pruned here unless Strict refuses them).
  const unknown = isCustomResource(res) ? pruneCustomObject(res, obj, mode === 'Strict') : findUnknown(apiVersionOf(res), res.kind, obj);
  if (unknown.length === 0) return [];
  const problems = unknown.map((f) => `unknown field "${f}"`);
  if (mode === 'Strict') throw strictDecodingError(res, obj, problems, from);
  if (!isCustomResource(res)) for (const path of unknown) deleteFieldPath(obj, path);
  return mode === 'Warn' ? problems : [];
}

function strictDecodingError(res: ResourceInfo, obj: KubeObject, problems: string[], from: DecodedFrom): ApiError {
  const detail = `strict decoding error: ${problems.join(', ')}`;
  if (from === 'body') return errors.badRequest(`${res.kind} in version "${res.version}" cannot be handled as a ${res.kind}: ${detail}`);
  // kube-apiserver's patch handler: Invalid with no kind or name, the patched object as the value.
  return errors.invalid('', '', '', [
    { reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${JSON.stringify(JSON.stringify(obj))}: ${detail}` },
  ]);
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
