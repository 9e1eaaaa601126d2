/**
 * Webhook conversion of custom objects (a CRD's `spec.conversion.strategy: Webhook`): one
 * ConversionReview POST per batch, as kube-apiserver's webhook converter sends it, with its
 * checks on the answer and its words in the errors.
 *
 * The webhook may change anything but metadata: of the converted objects' metadata only
 * labels and annotations are kept, everything else is restored from the original, and a
 * changed name, namespace or uid is refused (kube-apiserver's restoreObjectMeta and
 * validateConvertedObject).
 *
 * Every failure is a 500 whose message is the upstream one, e.g. `conversion webhook for
 * stable.example.com/v1, Kind=CronTab failed: Post "https://…": connect ECONNREFUSED`.
 */
import { randomUUID } from 'node:crypto';
import { validateAnnotations, validateLabels } from '@skiff/api';
import { ApiError } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import { callWebhook, WebhookError, type WebhookClientConfig } from '../../webhook/webhook-client.ts';
import type { RegistryContext } from '../context.ts';

/** kube-apiserver gives a conversion webhook 30 s (its webhook client's default). */
export const CONVERSION_WEBHOOK_TIMEOUT_MS = 30_000;

const SUPPORTED_REVIEW_VERSIONS = ['v1', 'v1beta1'];

/** The CRD's `spec.conversion.webhook`. */
export interface ConversionWebhook {
  clientConfig: WebhookClientConfig;
  conversionReviewVersions?: string[];
}

export interface WebhookBatch {
  webhook: ConversionWebhook;
  /** Objects to convert, each in the version its apiVersion names; none already in `desiredAPIVersion`. */
  objects: KubeObject[];
  desiredAPIVersion: string;
  /** Go's GroupVersionKind.String() of what is converted: `stable.example.com/v1, Kind=CronTab`. */
  describedAs: string;
  /** Whether the batch came from a list: the upstream messages then name the index. */
  isList: boolean;
  /** The registry context, asked for only when the webhook is a Service (a url needs none). */
  context(): RegistryContext;
  timeoutMs?: number;
}

/** Status reason '' (Unknown): how kube-apiserver answers an error that is no API status. */
function conversionError(message: string, cause?: unknown): ApiError {
  return new ApiError(500, '', message, undefined, cause === undefined ? undefined : { cause });
}

/** The first of the CRD's review versions this server speaks, as upstream picks it. */
export function reviewVersionOf(webhook: ConversionWebhook): string | undefined {
  return (webhook.conversionReviewVersions ?? []).find((v) => SUPPORTED_REVIEW_VERSIONS.includes(v));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The converted objects of a review answer, or the reason it is not usable (upstream getConvertedObjectsFromResponse). */
function convertedObjectsOf(reply: unknown, reviewVersion: string, uid: string): unknown[] {
  if (!isRecord(reply)) throw new Error('the response is not a ConversionReview object');
  if (reviewVersion === 'v1' && (reply.apiVersion !== 'apiextensions.k8s.io/v1' || reply.kind !== 'ConversionReview')) {
    throw new Error(`expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got ${describeGvk(reply.apiVersion, reply.kind)}`);
  }
  const response = reply.response;
  if (!isRecord(response)) throw new Error('no response provided');
  // v1beta1 answers were never checked for their uid upstream; kept so for compatibility.
  if (reviewVersion === 'v1' && response.uid !== uid) throw new Error(`expected response.uid="${uid}", got "${String(response.uid ?? '')}"`);
  const result = isRecord(response.result) ? response.result : {};
  if (result.status !== 'Success') {
    if (typeof result.message === 'string' && result.message !== '') throw new Error(result.message);
    throw new Error(`response.result.status was '${String(result.status ?? '')}', not 'Success'`);
  }
  return Array.isArray(response.convertedObjects) ? response.convertedObjects : [];
}

/** Go's GroupVersionKind.String(): `group/version, Kind=Kind` (`/v1, Kind=…` for the core group). */
export function describeGvk(apiVersion: unknown, kind: unknown): string {
  const gv = typeof apiVersion === 'string' ? apiVersion : '';
  return `${gv.includes('/') ? gv : `/${gv}`}, Kind=${typeof kind === 'string' ? kind : ''}`;
}

function fieldErrorsText(errs: { field: string; message: string }[]): string {
  const list = errs.map((e) => `${e.field}: ${e.message}`);
  return list.length === 1 ? list[0]! : `[${list.join(', ')}]`;
}

/** Name, namespace and uid must survive the conversion (upstream validateConvertedObject). */
function checkIdentity(original: KubeObject, converted: KubeObject): void {
  const pairs: [string, unknown, unknown][] = [
    ['kind', original.kind, converted.kind],
    ['name', original.metadata.name, converted.metadata?.name],
    ['namespace', original.metadata.namespace, converted.metadata?.namespace],
    ['UID', original.metadata.uid, converted.metadata?.uid],
  ];
  for (const [what, want, got] of pairs) {
    if ((want ?? '') !== (got ?? '')) throw new Error(`must have the same ${what}: ${String(want ?? '')} != ${String(got ?? '')}`);
  }
}

/**
 * The original metadata with the converted object's labels and annotations (upstream
 * restoreObjectMeta): a webhook relabels objects, it never renames, re-owns or re-versions them.
 */
function restoreMetadata(original: KubeObject, converted: Record<string, unknown>): KubeObject {
  if (!('metadata' in converted)) throw new Error('missing metadata in converted object');
  if (!isRecord(converted.metadata)) throw new Error(`invalid metadata of type ${typeof converted.metadata} in converted object`);
  const answered = converted.metadata;
  const metadata: Record<string, unknown> = structuredClone(original.metadata);
  for (const field of ['labels', 'annotations'] as const) {
    const value = answered[field];
    if (value === undefined || value === null) {
      delete metadata[field];
      continue;
    }
    if (!isRecord(value)) throw new Error(`invalid metadata.${field} of type ${Array.isArray(value) ? 'array' : typeof value} in converted object`);
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') throw new Error(`metadata.${field}[${k}] must be a string, but is ${typeof v} in converted object`);
    }
    const errs = field === 'labels' ? validateLabels(value, 'metadata.labels') : validateAnnotations(value, 'metadata.annotation');
    if (errs.length > 0) throw new Error(fieldErrorsText(errs));
    metadata[field] = value;
  }
  return { ...converted, metadata } as KubeObject;
}

/**
 * One converted object checked against its original: the object to hand out, or the refusal.
 * `index` is set for a list, whose upstream messages name the object's place in the review.
 */
function acceptConverted(original: KubeObject, raw: unknown, batch: WebhookBatch, index: number | undefined): KubeObject {
  const prefix = `conversion webhook for ${batch.describedAs} returned`;
  const object = index === undefined ? 'invalid object' : `invalid converted object at index ${index}`;
  const refuse = (why: string): ApiError => conversionError(`${prefix} ${object}: ${why}`);
  if (!isRecord(raw)) throw refuse('not a JSON object');
  if (raw.apiVersion !== batch.desiredAPIVersion)
    throw refuse(`invalid groupVersion (expected ${batch.desiredAPIVersion}, received ${String(raw.apiVersion ?? '')})`);
  if (raw.kind !== original.kind) throw refuse(`invalid kind (expected ${String(original.kind)}, received ${String(raw.kind ?? '')})`);
  try {
    checkIdentity(original, raw as KubeObject);
  } catch (err) {
    throw refuse((err as Error).message);
  }
  try {
    return restoreMetadata(original, raw);
  } catch (err) {
    const metadata = index === undefined ? 'invalid metadata' : `invalid metadata in object at index ${index}`;
    throw conversionError(`${prefix} ${metadata}: ${(err as Error).message}`);
  }
}

/** Where the review goes, as Go's client names it in `Post "<url>": …`. */
function urlOf(config: WebhookClientConfig): string {
  if (config.url) return config.url;
  const svc = config.service;
  if (!svc) return '';
  return `https://${svc.name}.${svc.namespace}.svc:${svc.port ?? 443}${svc.path ?? ''}`;
}

/** The batch's objects in `desiredAPIVersion`, in order; throws the 500 ApiError upstream would answer. */
export async function convertWithWebhook(batch: WebhookBatch): Promise<KubeObject[]> {
  if (batch.objects.length === 0) return [];
  // CRD validation requires spec.conversion.webhook with Webhook; a CRD stored before it did may still lack one.
  if (!isRecord(batch.webhook?.clientConfig))
    throw conversionError(`conversion webhook for ${batch.describedAs} failed: spec.conversion.webhook.clientConfig is missing`);
  const reviewVersion = reviewVersionOf(batch.webhook);
  if (!reviewVersion) throw conversionError('no supported conversion review versions');
  const uid = randomUUID();
  const review = {
    apiVersion: `apiextensions.k8s.io/${reviewVersion}`,
    kind: 'ConversionReview',
    request: { uid, desiredAPIVersion: batch.desiredAPIVersion, objects: batch.objects },
  };
  const config = batch.webhook.clientConfig;
  let converted: unknown[];
  try {
    // A url needs no context; a service is resolved through the registry's Services and EndpointSlices.
    const ctx = config.service ? batch.context() : (undefined as unknown as RegistryContext);
    const reply = await callWebhook(ctx, config, review, batch.timeoutMs ?? CONVERSION_WEBHOOK_TIMEOUT_MS);
    converted = convertedObjectsOf(reply, reviewVersion, uid);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // The webhook client's failures are transport ones (Go words them `Post "<url>": …`); the review checks are not.
    const why = err instanceof WebhookError ? `Post "${urlOf(config)}": ${err.message}` : (err as Error).message;
    throw conversionError(`conversion webhook for ${batch.describedAs} failed: ${why}`, err);
  }
  if (converted.length !== batch.objects.length) {
    throw conversionError(`conversion webhook for ${batch.describedAs} returned ${converted.length} objects, expected ${batch.objects.length}`);
  }
  return batch.objects.map((original, i) => acceptConverted(original, converted[i], batch, batch.isList ? i : undefined));
}
