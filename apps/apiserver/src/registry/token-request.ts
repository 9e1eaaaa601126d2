/**
 * POST serviceaccounts/<name>/token: the TokenRequest API (authentication.k8s.io/v1), as
 * upstream's pkg/registry/core/serviceaccount/storage/token.go answers it. A bound token is
 * signed for the ServiceAccount (and, when asked, bound to a Pod or Secret whose deletion
 * revokes it); nothing is stored. `kubectl create token` and the kubelet's projected
 * `kube-api-access-*` volume both come here.
 */
import { findResourceByKind, type ResourceInfo } from '@skiff/api';
import { ApiError, errors, type StatusCause } from '../errors.ts';
import type { KubeObject } from '../storage/store.ts';
import type { BoundTokenClaims, ObjectRef } from '../auth/serviceaccount/token-issuer.ts';
import { runMutatingAdmission, runValidatingAdmission } from './admission/admission.ts';
import { admissionPlugins } from './admission/plugins.ts';
import type { RegistryContext } from './context.ts';
import type { WriteOptions, WriteResult } from './handlers.ts';
import { formatTimestamp, isPlainObject } from './object-helpers.ts';

const GROUP = 'authentication.k8s.io';
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 10 * 60;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

const resources = {
  serviceAccounts: findResourceByKind('v1', 'ServiceAccount')!,
  pods: findResourceByKind('v1', 'Pod')!,
  secrets: findResourceByKind('v1', 'Secret')!,
  nodes: findResourceByKind('v1', 'Node')!,
};

interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

interface TokenRequestSpec {
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef?: BoundObjectReference;
}

interface TokenRequest extends KubeObject {
  spec: TokenRequestSpec;
  status?: { token: string; expirationTimestamp: string };
}

function invalid(name: string, causes: StatusCause[]): ApiError {
  return errors.invalid('TokenRequest', GROUP, name, causes);
}

/** Decodes the body and checks what the URL fixes (name, namespace) and the field types. */
function decodeTokenRequest(body: unknown, namespace: string, name: string): TokenRequest {
  if (!isPlainObject(body)) throw errors.badRequest('the body of the request must be a TokenRequest object');
  const { apiVersion, kind } = body as { apiVersion?: unknown; kind?: unknown };
  if ((kind !== undefined && kind !== 'TokenRequest') || (apiVersion !== undefined && apiVersion !== `${GROUP}/v1`)) {
    throw errors.badRequest(`TokenRequest expected, got ${String(apiVersion)}, Kind=${String(kind)}`);
  }
  const metadata = (isPlainObject(body.metadata) ? body.metadata : {}) as KubeObject['metadata'];
  if (metadata.name && metadata.name !== name) {
    throw invalid(name, [
      { reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${metadata.name}": must match the service account name if specified` },
    ]);
  }
  if (metadata.namespace && metadata.namespace !== namespace) {
    throw invalid(name, [
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.namespace',
        message: `Invalid value: "${metadata.namespace}": must match the service account namespace if specified`,
      },
    ]);
  }
  const spec = (isPlainObject(body.spec) ? body.spec : {}) as Partial<Record<keyof TokenRequestSpec, unknown>>;
  const audiences = spec.audiences ?? [];
  if (!Array.isArray(audiences) || !audiences.every((a) => typeof a === 'string')) throw errors.badRequest('spec.audiences must be a list of strings');
  const expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (typeof expirationSeconds !== 'number' || !Number.isInteger(expirationSeconds)) throw errors.badRequest('spec.expirationSeconds must be an integer');
  const ref = spec.boundObjectRef;
  if (ref !== undefined && ref !== null && !isPlainObject(ref)) throw errors.badRequest('spec.boundObjectRef must be an object');
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'TokenRequest',
    metadata: { name, namespace },
    spec: { audiences, expirationSeconds, ...(ref ? { boundObjectRef: ref as BoundObjectReference } : {}) },
  };
}

function validateExpiration(seconds: number): void {
  const field = 'spec.expirationSeconds';
  if (seconds < MIN_EXPIRATION_SECONDS) {
    throw invalid('', [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${seconds}: may not specify a duration less than 10 minutes` }]);
  }
  if (seconds > MAX_EXPIRATION_SECONDS) {
    throw invalid('', [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds` }]);
  }
}

function refOf(obj: KubeObject): ObjectRef {
  return { name: obj.metadata.name!, uid: obj.metadata.uid! };
}

/** The claims binding the token to its object; upstream's errors for a wrong kind, a different account, a stale uid. */
async function resolveBoundObject(
  ctx: RegistryContext,
  namespace: string,
  saName: string,
  ref: BoundObjectReference,
): Promise<Omit<BoundTokenClaims, 'namespace' | 'serviceAccount'>> {
  const apiVersion = ref.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  const version = apiVersion.includes('/') ? apiVersion.split('/')[1]! : apiVersion;
  const name = ref.name ?? '';
  let claims: Omit<BoundTokenClaims, 'namespace' | 'serviceAccount'>;
  let uid: string;
  if (group === '' && ref.kind === 'Pod') {
    const pod = await ctx.store.get(resources.pods, namespace, name);
    const spec = (pod.spec ?? {}) as { serviceAccountName?: string; nodeName?: string };
    if (spec.serviceAccountName !== saName) {
      throw errors.badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
    }
    claims = { pod: refOf(pod) };
    const node = spec.nodeName ? await ctx.store.get(resources.nodes, undefined, spec.nodeName).catch(() => undefined) : undefined;
    if (node) claims.node = refOf(node);
    uid = pod.metadata.uid!;
  } else if (group === '' && ref.kind === 'Secret') {
    const secret = await ctx.store.get(resources.secrets, namespace, name);
    claims = { secret: refOf(secret) };
    uid = secret.metadata.uid!;
  } else {
    throw errors.badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${ref.kind ?? ''}`);
  }
  if (ref.uid && ref.uid !== uid) {
    throw errors.conflict(
      { group, resource: ref.kind },
      name,
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
  return claims;
}

export async function createTokenRequest(ctx: RegistryContext, namespace: string, name: string, body: unknown, opts: WriteOptions): Promise<WriteResult> {
  const issuer = ctx.serviceAccountTokens;
  if (!issuer) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  const request = decodeTokenRequest(body, namespace, name);
  const sa = await ctx.store.get(resources.serviceAccounts as ResourceInfo, namespace, name);
  if (request.spec.audiences.length === 0) request.spec.audiences = [...issuer.apiAudiences];
  // Taken before signing, so status.expirationTimestamp is never later than the token's exp.
  const now = ctx.now();
  request.metadata.creationTimestamp = formatTimestamp(now);
  validateExpiration(request.spec.expirationSeconds);
  const attrs = {
    res: resources.serviceAccounts,
    subresource: 'token',
    operation: 'CREATE' as const,
    namespace,
    name,
    object: request,
    user: opts.user,
    dryRun: Boolean(opts.dryRun),
  };
  await runMutatingAdmission(ctx, admissionPlugins, attrs);
  await runValidatingAdmission(ctx, admissionPlugins, attrs);
  const ref = request.spec.boundObjectRef;
  const bound = ref ? await resolveBoundObject(ctx, namespace, name, ref) : {};
  if (opts.dryRun) return { object: request, created: true };
  const issued = await issuer.issue(
    { ...bound, namespace, serviceAccount: refOf(sa), audiences: request.spec.audiences, expirationSeconds: request.spec.expirationSeconds },
    now,
  );
  request.status = { token: issued.token, expirationTimestamp: formatTimestamp(issued.expirationTimestamp) };
  return { object: request, created: true };
}
