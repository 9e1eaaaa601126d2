/**
 * The access reviews answered by the authorizer chain, as routes run after the request itself
 * was authorized (create subjectaccessreviews / localsubjectaccessreviews / selfsubjectrulesreviews):
 *
 * - SubjectAccessReview: may this user (spec.user, groups, uid, extra) do that?
 * - LocalSubjectAccessReview: the same, confined to the namespace in the path, which the
 *   review's metadata and resourceAttributes must name too.
 * - SelfSubjectRulesReview: the caller's rules in spec.namespace (`kubectl auth can-i --list`).
 *
 * Nothing is stored: each review is echoed back with its status filled in.
 */
import type { Request, Response } from 'express';
import { errors } from '../../errors.ts';
import type { Authorizer } from '../../http/authz.ts';
import { readObjectBody } from '../../http/body.ts';
import type { RequestInfo } from '../../http/request-info.ts';
import { sendJson } from '../../http/respond.ts';
import { accessReviewAnswer, requestInfoOfReview, type ReviewSpec } from '../../http/self-subject-access-review.ts';
import { serveSelfSubjectRulesReview, type RulesFor } from '../../http/self-subject-rules-review.ts';
import type { ApiRoute } from '../../http/server.ts';
import type { UserInfo } from '../../registry/handlers.ts';

const GROUP = 'authorization.k8s.io';

interface SubjectAccessReview {
  metadata?: { namespace?: string; [key: string]: unknown };
  spec?: ReviewSpec & { user?: string; groups?: string[]; uid?: string; extra?: Record<string, string[]> };
}

function isReview(info: RequestInfo, resource: string): boolean {
  return info.isResourceRequest && info.verb === 'create' && info.group === GROUP && info.version === 'v1' && info.resource === resource && !info.name;
}

/** The user a review asks about; at least a user or a group, as upstream's validation wants. */
function subjectOf(kind: string, spec: NonNullable<SubjectAccessReview['spec']>): UserInfo {
  if (!spec.user && !spec.groups?.length) {
    throw errors.invalid(kind, GROUP, '', [
      { reason: 'FieldValueInvalid', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' },
    ]);
  }
  return { username: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
}

function checkLocalNamespace(review: SubjectAccessReview, namespace: string): void {
  const metaNamespace = review.metadata?.namespace || namespace;
  if (metaNamespace !== namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  const spec = review.spec ?? {};
  if (spec.nonResourceAttributes) {
    throw errors.invalid('LocalSubjectAccessReview', GROUP, '', [
      { reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: 'Invalid value: "": disallowed on this kind of request' },
    ]);
  }
  if (spec.resourceAttributes && spec.resourceAttributes.namespace !== namespace) {
    throw errors.invalid('LocalSubjectAccessReview', GROUP, '', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.resourceAttributes.namespace',
        message: `Invalid value: "${spec.resourceAttributes.namespace ?? ''}": must match metadata.namespace`,
      },
    ]);
  }
}

export function accessReviewRoutes(chain: { authorize: Authorizer; rulesFor: RulesFor }, maxRequestBytes = 1 << 20): ApiRoute[] {
  const serveSubjectAccessReview = async (req: Request, res: Response, info: RequestInfo, kind: string): Promise<void> => {
    const review = (await readObjectBody(req, maxRequestBytes, `a ${kind}`)) as SubjectAccessReview;
    if (kind === 'LocalSubjectAccessReview') checkLocalNamespace(review, info.namespace!);
    const spec = review.spec ?? {};
    const attributes = requestInfoOfReview(spec, kind);
    const subject = subjectOf(kind, spec);
    const decision = await chain.authorize(subject, attributes);
    const metadata = { ...review.metadata, creationTimestamp: null, ...(info.namespace ? { namespace: info.namespace } : {}) };
    sendJson(res, 201, accessReviewAnswer(kind, metadata, spec, decision));
  };
  return [
    async (req, res, info) => {
      if (!isReview(info, 'subjectaccessreviews') || info.namespace) return false;
      await serveSubjectAccessReview(req, res, info, 'SubjectAccessReview');
      return true;
    },
    async (req, res, info) => {
      if (!isReview(info, 'localsubjectaccessreviews') || !info.namespace) return false;
      await serveSubjectAccessReview(req, res, info, 'LocalSubjectAccessReview');
      return true;
    },
    async (req, res, info, user) => {
      if (!isReview(info, 'selfsubjectrulesreviews') || info.namespace) return false;
      await serveSelfSubjectRulesReview(req, res, user, chain.rulesFor, maxRequestBytes);
      return true;
    },
  ];
}
