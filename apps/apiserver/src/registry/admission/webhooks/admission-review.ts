/**
 * One admission webhook call: the AdmissionReview v1 request built from the admission
 * attributes, the POST, and what the answer means, with upstream's words for each outcome:
 *
 * - denied: `admission webhook "<name>" denied the request: <message>`, with the webhook's
 *   status code (400 when it gave none or one below 400) and reason;
 * - the call failed (unreachable, timed out, not 2xx, not a valid review): with failurePolicy
 *   Fail a 500 `failed calling webhook "<name>": ...`; with Ignore the request goes on;
 * - a dry run reaching a webhook with side effects: 400 `... does not support dry run`.
 *
 * Before any of that, the webhook's matchConditions see the request as the webhook would
 * (object, oldObject, request, in the version it asked for): one false skips the call; an
 * evaluation error under failurePolicy Fail refuses with 403 `failed calling webhook "<name>":
 * expression '...' resulted in error: ...`, as upstream's ShouldCallHook does.
 */
import { randomUUID } from 'node:crypto';
import { apiVersionOf, type ResourceInfo } from '@skiff/api';
import { ApiError, errors } from '../../../errors.ts';
import type { KubeObject } from '../../../storage/store.ts';
import { callWebhook, WebhookError } from '../../../webhook/webhook-client.ts';
import { convertToVersion, converterFor } from '../../conversion/version-converter.ts';
import type { RegistryContext } from '../../context.ts';
import type { AdmissionAttributes } from '../admission.ts';
import { evaluateMatchConditions } from './match-conditions.ts';
import type { MatchedWebhook } from './matching-webhooks.ts';

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code?: number; reason?: string; message?: string };
  patch?: string;
  patchType?: string;
  warnings?: string[];
}

const DEFAULT_TIMEOUT_SECONDS = 10;
const OPTIONS_KINDS = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions', CONNECT: 'ConnectOptions' } as const;

const gvk = (res: ResourceInfo) => ({ group: res.group, version: res.version, kind: res.kind });
const gvr = (res: ResourceInfo) => ({ group: res.group, version: res.version, resource: res.resource });

/** `obj` in the version the webhook asked for (equivalent matches see another version of the same objects). */
export function inVersion(obj: KubeObject | undefined, as: ResourceInfo): KubeObject | undefined {
  const converter = converterFor(as);
  if (!obj || !converter) return obj;
  return convertToVersion(converter, obj, as);
}

export function buildAdmissionReview(
  uid: string,
  attrs: AdmissionAttributes,
  as: ResourceInfo,
): { apiVersion: string; kind: string; request: Record<string, unknown> } {
  const { user } = attrs;
  const object = inVersion(attrs.object, as);
  const oldObject = inVersion(attrs.oldObject, as);
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: gvk(as),
      resource: gvr(as),
      ...(attrs.subresource ? { subResource: attrs.subresource } : {}),
      requestKind: gvk(attrs.res),
      requestResource: gvr(attrs.res),
      ...(attrs.subresource ? { requestSubResource: attrs.subresource } : {}),
      name: attrs.name,
      ...(attrs.namespace ? { namespace: attrs.namespace } : {}),
      operation: attrs.operation,
      userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) },
      object: object ?? null,
      oldObject: oldObject ?? null,
      dryRun: attrs.dryRun,
      options: { apiVersion: 'meta.k8s.io/v1', kind: OPTIONS_KINDS[attrs.operation], ...(attrs.dryRun ? { dryRun: ['All'] } : {}) },
    },
  };
}

const CONDITION_VARIABLES = ['object', 'oldObject', 'request'];

/** False when a match condition says the webhook is not for this request; throws when one failed under Fail. */
function conditionsMatch(matched: MatchedWebhook, attrs: AdmissionAttributes, review: { request: Record<string, unknown> }): boolean {
  const { hook } = matched;
  if (!hook.matchConditions?.length) return true;
  const { request } = review;
  const result = evaluateMatchConditions(
    hook.matchConditions,
    { object: request.object, oldObject: request.oldObject, request },
    CONDITION_VARIABLES,
    hook.failurePolicy,
  );
  if (result.error !== undefined) throw errors.forbidden(attrs.res, attrs.name, `failed calling webhook "${hook.name}": ${result.error}`);
  return result.matches;
}

/** Where the call goes, as upstream's errors print it. */
function describeTarget(matched: MatchedWebhook): string {
  const { url, service } = matched.hook.clientConfig;
  const timeout = matched.hook.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const base = url ?? (service ? `https://${service.name}.${service.namespace}.svc:${service.port ?? 443}${service.path ?? ''}` : '');
  return `Post "${base}?timeout=${timeout}s"`;
}

/** The review's answer, or a WebhookError('decode') in upstream's "received invalid webhook response" words. */
function readResponse(reply: unknown, uid: string): AdmissionResponse {
  const review = reply as { apiVersion?: string; kind?: string; response?: AdmissionResponse } | undefined;
  const invalid = (why: string) => new WebhookError('decode', `received invalid webhook response: ${why}`);
  if (review?.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') {
    throw invalid(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${review?.apiVersion ?? ''}, Kind=${review?.kind ?? ''}`);
  }
  const response = review.response;
  if (!response) throw invalid('response was absent');
  if (response.uid !== uid) throw invalid(`expected response.uid="${uid}", got "${response.uid ?? ''}"`);
  return response;
}

export function deniedError(name: string, status: AdmissionResponse['status']): ApiError {
  const deniedBy = `admission webhook "${name}" denied the request`;
  const code = status?.code !== undefined && status.code >= 400 ? status.code : 400;
  const explanation = status?.message || status?.reason;
  return new ApiError(code, status?.reason ?? '', explanation ? `${deniedBy}: ${explanation}` : `${deniedBy} without explanation`);
}

const SIDE_EFFECT_FREE = new Set(['None', 'NoneOnDryRun']);

/**
 * Calls the webhook. Answers its response; undefined when its matchConditions skip it or the
 * call failed and failurePolicy is Ignore. Throws the denial-independent errors (dry run unsupported, call failed with Fail).
 */
export async function callAdmissionWebhook(ctx: RegistryContext, matched: MatchedWebhook, attrs: AdmissionAttributes): Promise<AdmissionResponse | undefined> {
  const { hook } = matched;
  const uid = randomUUID();
  const review = buildAdmissionReview(uid, attrs, matched.as);
  if (!conditionsMatch(matched, attrs, review)) return undefined;
  if (attrs.dryRun && !SIDE_EFFECT_FREE.has(hook.sideEffects ?? '')) {
    throw errors.badRequest(`admission webhook "${hook.name}" does not support dry run`);
  }
  const timeoutMs = (hook.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  try {
    return readResponse(await callWebhook(ctx, hook.clientConfig, review, timeoutMs), uid);
  } catch (err) {
    const reason =
      err instanceof WebhookError && err.failure === 'decode' ? err.message : `failed to call webhook: ${describeTarget(matched)}: ${(err as Error).message}`;
    const message = `failed calling webhook "${hook.name}": ${reason}`;
    if (hook.failurePolicy === 'Ignore') {
      ctx.logger.warn(
        { webhook: hook.name, configuration: matched.configuration, resource: apiVersionOf(attrs.res) + '/' + attrs.res.resource },
        `${message}; failurePolicy Ignore: the request goes on`,
      );
      return undefined;
    }
    throw errors.internal(message, err);
  }
}

/** Passes the response's warnings to the client; throws the denial. */
export function applyVerdict(matched: MatchedWebhook, response: AdmissionResponse, attrs: AdmissionAttributes): void {
  if (response.warnings?.length) (attrs.warnings ??= []).push(...response.warnings);
  if (!response.allowed) throw deniedError(matched.hook.name, response.status);
}
