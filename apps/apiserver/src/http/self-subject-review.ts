/**
 * POST /apis/authentication.k8s.io/v1/selfsubjectreviews — `kubectl auth whoami`: the caller's
 * own user as the apiserver authenticated it. Nothing is stored; the review comes back with its
 * status filled in, as kube does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from '../registry/handlers.ts';
import { readObjectBody } from './body.ts';
import { sendJson } from './respond.ts';

export const selfSubjectReviewPath = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

/** Discovery entry for the authentication.k8s.io/v1 group this file serves. */
export const authenticationResources = [
  { name: 'selfsubjectreviews', singularName: 'selfsubjectreview', namespaced: false, kind: 'SelfSubjectReview', verbs: ['create'] },
  // Served by auth/serviceaccount/routes.ts.
  { name: 'tokenreviews', singularName: 'tokenreview', namespaced: false, kind: 'TokenReview', verbs: ['create'] },
];

/** authentication.k8s.io's UserInfo: uid and extra only when set (SelfSubjectReview, TokenReview). */
export function userInfoOf(user: UserInfo): Record<string, unknown> {
  return { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: [...user.groups], ...(user.extra ? { extra: user.extra } : {}) };
}

export async function serveSelfSubjectReview(req: IncomingMessage, res: ServerResponse, user: UserInfo, maxRequestBytes: number): Promise<void> {
  await readObjectBody(req, maxRequestBytes, 'a SelfSubjectReview');
  sendJson(res, 201, {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { userInfo: userInfoOf(user) },
  });
}
