/**
 * POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews — `kubectl auth can-i --list`: what
 * the caller may do in a namespace, as rules. The rules come from authz.ts, written beside the
 * authorizer they describe.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserInfo } from '../registry/handlers.ts';
import { rulesFor } from './authz.ts';
import { readObjectBody } from './body.ts';
import { sendJson } from './respond.ts';

export const selfSubjectRulesReviewPath = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';

export async function serveSelfSubjectRulesReview(req: IncomingMessage, res: ServerResponse, user: UserInfo, maxRequestBytes: number): Promise<void> {
  const body = await readObjectBody(req, maxRequestBytes, 'a SelfSubjectRulesReview') as { spec?: { namespace?: string } };
  sendJson(res, 201, {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: body.spec ?? {},
    status: { ...rulesFor(user), incomplete: false },
  });
}
