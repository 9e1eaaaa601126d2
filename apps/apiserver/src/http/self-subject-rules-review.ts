/**
 * POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews — `kubectl auth can-i --list`: what
 * the caller may do in a namespace, as rules. The rules come from authz.ts, written beside the
 * authorizer they describe.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../errors.ts';
import type { UserInfo } from '../registry/handlers.ts';
import { rulesFor } from './authz.ts';
import { checkWriteContentType, decodeBody, readBody } from './body.ts';
import { sendJson } from './respond.ts';

export const selfSubjectRulesReviewPath = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';

export async function serveSelfSubjectRulesReview(req: IncomingMessage, res: ServerResponse, user: UserInfo, maxRequestBytes: number): Promise<void> {
  checkWriteContentType(req.headers['content-type']);
  const body = decodeBody(await readBody(req, maxRequestBytes), req.headers['content-type'], maxRequestBytes) as { spec?: { namespace?: string } } | undefined;
  if (!body || typeof body !== 'object') throw errors.badRequest('the request body is empty; expected a SelfSubjectRulesReview');
  sendJson(res, 201, {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: body.spec ?? {},
    status: { ...rulesFor(user), incomplete: false },
  });
}
