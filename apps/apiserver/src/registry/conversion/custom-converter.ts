/**
 * Versions of custom objects. A CRD serves its objects in every served version; etcd keeps
 * each in the version it was written in (the storage version at that time — an object keeps
 * its apiVersion in etcd, as kube-apiserver stores custom objects), so a read may meet
 * objects of several versions and converts each one that is not yet in the version asked for:
 *
 * - strategy None: only apiVersion changes (the rest is the same JSON in every version);
 * - strategy Webhook: the CRD's conversion webhook converts them, one ConversionReview per
 *   batch (a list's items go together), see custom-webhook-converter.ts.
 *
 * Objects already in the desired version are never copied nor sent.
 */
import { apiVersionOf } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import type { CustomResourceInfo } from '../custom-resources/served-resources.ts';
import type { RegistryContext } from '../context.ts';
import { convertWithWebhook, describeGvk, type ConversionWebhook } from './custom-webhook-converter.ts';

export interface CustomConversionOptions {
  /** Whether the objects are a list's items (one review, upstream's list messages). */
  isList: boolean;
  /** The registry context, for webhooks that name a Service. */
  context(): RegistryContext;
  timeoutMs?: number;
}

/** The version a stored object is in: its apiVersion, the storage version when it has none. */
function apiVersionOfStored(res: CustomResourceInfo, obj: KubeObject): string {
  return obj.apiVersion ?? apiVersionOf({ group: res.group, version: res.custom.storageVersion });
}

/**
 * `objects` in `version` of `res`'s group, in order: the same object where it already is
 * in that version, a new one where it was converted (the inputs stay untouched: they may be
 * the watch cache's shared objects).
 */
export async function convertCustomObjects(
  res: CustomResourceInfo,
  objects: readonly KubeObject[],
  version: string,
  opts: CustomConversionOptions,
): Promise<KubeObject[]> {
  const desired = apiVersionOf({ group: res.group, version });
  const pending = objects.flatMap((obj, i) => (apiVersionOfStored(res, obj) === desired ? [] : [i]));
  if (pending.length === 0) return [...objects];
  const out = [...objects];
  const { conversion } = res.custom;
  if (conversion.strategy !== 'Webhook') {
    for (const i of pending) out[i] = { ...structuredClone(objects[i]!), apiVersion: desired };
    return out;
  }
  const batch = pending.map((i) => objects[i]!);
  // What upstream names in its messages: the object converted, or the list (in the storage version) for a list.
  const describedAs = opts.isList
    ? describeGvk(apiVersionOf({ group: res.group, version: res.custom.storageVersion }), res.listKind)
    : describeGvk(apiVersionOfStored(res, batch[0]!), batch[0]!.kind ?? res.kind);
  const converted = await convertWithWebhook({
    webhook: conversion.webhook as unknown as ConversionWebhook,
    objects: batch,
    desiredAPIVersion: desired,
    describedAs,
    isList: opts.isList,
    context: opts.context,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  pending.forEach((at, j) => {
    out[at] = converted[j]!;
  });
  return out;
}
