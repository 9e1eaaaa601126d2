/**
 * POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews — "may I?" asked by the
 * caller about itself (`kubectl auth can-i`). The answer comes from the same Authorizer
 * the request pipeline uses, so it stays true when RBAC replaces allow-all. Nothing is
 * stored: the review is echoed back with its status filled in, as kube does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../errors.ts';
import type { UserInfo } from '../registry/handlers.ts';
import type { Authorizer } from './authz.ts';
import { readObjectBody } from './body.ts';
import type { RequestInfo } from './request-info.ts';
import { sendJson } from './respond.ts';

export const selfSubjectAccessReviewPath = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/** Discovery entries for authorization.k8s.io/v1 (rules reviews: self-subject-rules-review.ts). */
export const authorizationResources = [
  { name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] },
  { name: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', namespaced: false, kind: 'SelfSubjectRulesReview', verbs: ['create'] },
];

interface ReviewSpec {
  resourceAttributes?: { namespace?: string; verb?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string };
  nonResourceAttributes?: { path?: string; verb?: string };
}

/** The RequestInfo a request with these attributes would have had. */
export function requestInfoOfReview(spec: ReviewSpec): RequestInfo {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      isResourceRequest: true, path: '', verb: r.verb ?? '', group: r.group ?? '', version: r.version ?? '',
      ...(r.namespace ? { namespace: r.namespace } : {}), resource: r.resource ?? '', subresource: r.subresource ?? '', name: r.name ?? '', rest: [],
    };
  }
  const n = spec.nonResourceAttributes;
  if (n) return { isResourceRequest: false, path: n.path ?? '', verb: n.verb ?? '', group: '', version: '', resource: '', subresource: '', name: '', rest: [] };
  throw errors.invalid('SelfSubjectAccessReview', 'authorization.k8s.io', '', [
    { reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' },
  ]);
}

export async function serveSelfSubjectAccessReview(req: IncomingMessage, res: ServerResponse, user: UserInfo, authorize: Authorizer, maxRequestBytes: number): Promise<void> {
  const body = await readObjectBody(req, maxRequestBytes, 'a SelfSubjectAccessReview') as { spec?: ReviewSpec };
  const spec = body.spec ?? {};
  const decision = await authorize(user, requestInfoOfReview(spec));
  sendJson(res, 201, {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed: decision.allowed, ...(decision.allowed ? {} : { denied: true }), reason: decision.reason },
  });
}
