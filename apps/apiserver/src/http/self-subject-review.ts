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
];

export async function serveSelfSubjectReview(req: IncomingMessage, res: ServerResponse, user: UserInfo, maxRequestBytes: number): Promise<void> {
  await readObjectBody(req, maxRequestBytes, 'a SelfSubjectReview');
  sendJson(res, 201, {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { userInfo: { username: user.username, groups: [...user.groups] } },
  });
}
