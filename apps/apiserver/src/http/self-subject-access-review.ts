/**
 * POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews — "may I?" asked by the
 * caller about itself (`kubectl auth can-i`, which sends it as the impersonated user with
 * --as). The answer comes from the same authorizer chain the request pipeline uses. Nothing
 * is stored: the review is echoed back with its status filled in, as kube does. The other
 * access reviews (auth/rbac/access-reviews.ts) share the attributes and the answer's shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../errors.ts';
import type { UserInfo } from '../registry/handlers.ts';
import type { AuthorizationDecision, Authorizer } from './authz.ts';
import { readObjectBody } from './body.ts';
import type { RequestInfo } from './request-info.ts';
import { sendJson } from './respond.ts';

export const selfSubjectAccessReviewPath = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/** Discovery entries for authorization.k8s.io/v1 (rules reviews: self-subject-rules-review.ts). */
export const authorizationResources = [
  { name: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', namespaced: true, kind: 'LocalSubjectAccessReview', verbs: ['create'] },
  { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
  { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
  { name: 'subjectaccessreviews', singularName: 'subjectaccessreview', namespaced: false, kind: 'SubjectAccessReview', verbs: ['create'] },
];

export interface ReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
}

/** The RequestInfo a request with these attributes would have had. */
export function requestInfoOfReview(spec: ReviewSpec, kind = 'SelfSubjectAccessReview'): RequestInfo {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      isResourceRequest: true,
      path: '',
      verb: r.verb ?? '',
      group: r.group ?? '',
      version: r.version ?? '',
      ...(r.namespace ? { namespace: r.namespace } : {}),
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      name: r.name ?? '',
      rest: [],
    };
  }
  const n = spec.nonResourceAttributes;
  if (n) return { isResourceRequest: false, path: n.path ?? '', verb: n.verb ?? '', group: '', version: '', resource: '', subresource: '', name: '', rest: [] };
  throw errors.invalid(kind, 'authorization.k8s.io', '', [
    { reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' },
  ]);
}

export async function serveSelfSubjectAccessReview(
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
  authorize: Authorizer,
  maxRequestBytes: number,
): Promise<void> {
  const body = (await readObjectBody(req, maxRequestBytes, 'a SelfSubjectAccessReview')) as { spec?: ReviewSpec };
  const spec = body.spec ?? {};
  const decision = await authorize(user, requestInfoOfReview(spec));
  sendJson(res, 201, accessReviewAnswer('SelfSubjectAccessReview', { creationTimestamp: null }, spec, decision));
}

/**
 * Every access review echoed back with its status, as kube answers: `denied` only when an
 * authorizer denied outright (RBAC never does: a request nobody allowed is just not allowed).
 */
export function accessReviewAnswer(kind: string, metadata: Record<string, unknown>, spec: unknown, decision: AuthorizationDecision): Record<string, unknown> {
  return {
    kind,
    apiVersion: 'authorization.k8s.io/v1',
    metadata,
    spec,
    status: {
      allowed: decision.allowed,
      ...(decision.allowed || decision.noOpinion ? {} : { denied: true }),
      ...(decision.reason ? { reason: decision.reason } : {}),
    },
  };
}
