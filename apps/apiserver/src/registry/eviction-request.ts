/**
 * Reading a POST pods/<name>/eviction body: a policy/v1 Eviction (policy/v1beta1 too, as upstream's
 * EvictionREST accepts both), whose name must be the URL's, and the DeleteOptions it carries with
 * the request's dryRun folded in (upstream's propagateDryRun).
 */
import { errors } from '../errors.ts';
import { parseDeleteOptions } from '../http/query.ts';
import type { KubeObject } from '../storage/store.ts';
import type { DeleteOptions, WriteOptions } from './handlers.ts';
import { isPlainObject } from './object-helpers.ts';

const ACCEPTED_VERSIONS = new Set(['policy/v1', 'policy/v1beta1']);

export interface EvictionRequest {
  /** The Eviction as admission sees it (metadata filled from the URL). */
  eviction: KubeObject;
  deleteOptions: DeleteOptions;
}

export function decodeEvictionRequest(body: unknown, namespace: string | undefined, name: string, opts: WriteOptions): EvictionRequest {
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be an Eviction object');
  const { apiVersion, kind } = body as { apiVersion?: unknown; kind?: unknown };
  if ((kind !== undefined && kind !== 'Eviction') || (apiVersion !== undefined && !ACCEPTED_VERSIONS.has(String(apiVersion)))) {
    throw errors.badRequest(`not a Eviction object: ${String(apiVersion)}, Kind=${String(kind)}`);
  }
  const metadata = (isPlainObject(body.metadata) ? { ...body.metadata } : {}) as KubeObject['metadata'];
  if (metadata.name !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
  if (metadata.namespace && metadata.namespace !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (namespace) metadata.namespace = namespace;
  const rawOptions = body.deleteOptions ?? undefined;
  const parsed = parseDeleteOptions(new URLSearchParams(), rawOptions === null ? undefined : rawOptions);
  // Either the request's dryRun or the body's: they cannot disagree, as only "All" is defined.
  const deleteOptions: DeleteOptions = { ...parsed, ...(opts.dryRun || parsed.dryRun ? { dryRun: true } : {}) };
  const eviction: KubeObject = { apiVersion: 'policy/v1', kind: 'Eviction', metadata };
  if (rawOptions !== undefined && rawOptions !== null) eviction.deleteOptions = rawOptions;
  return { eviction, deleteOptions };
}
