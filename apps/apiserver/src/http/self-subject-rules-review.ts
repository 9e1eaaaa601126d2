/**
 * POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews — `kubectl auth can-i --list`: what
 * the caller may do in a namespace, as rules: everything the authorizer chain grants there
 * (RBAC's cluster-wide and namespaced grants, the Node authorizer's for kubelets, `*` for masters).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PolicyRule } from '@skiff/api';
import type { UserInfo } from '../registry/handlers.ts';
import { readObjectBody } from './body.ts';
import { sendJson } from './respond.ts';

export const selfSubjectRulesReviewPath = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';

export type RulesFor = (user: UserInfo, namespace: string | undefined) => PolicyRule[];

/** Rules split as the review reports them: resource rules and non-resource rules. */
export function rulesReviewStatus(rules: readonly PolicyRule[]): { resourceRules: PolicyRule[]; nonResourceRules: PolicyRule[]; incomplete: boolean } {
  const resourceRules: PolicyRule[] = [];
  const nonResourceRules: PolicyRule[] = [];
  for (const rule of rules) {
    if (rule.nonResourceURLs && rule.nonResourceURLs.length > 0) nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
    if (rule.resources && rule.resources.length > 0) {
      resourceRules.push({
        verbs: rule.verbs,
        apiGroups: rule.apiGroups ?? [],
        resources: rule.resources,
        ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}),
      });
    }
  }
  return { resourceRules, nonResourceRules, incomplete: false };
}

export async function serveSelfSubjectRulesReview(
  req: IncomingMessage,
  res: ServerResponse,
  user: UserInfo,
  rulesFor: RulesFor,
  maxRequestBytes: number,
): Promise<void> {
  const body = (await readObjectBody(req, maxRequestBytes, 'a SelfSubjectRulesReview')) as { spec?: { namespace?: string } };
  const spec = body.spec ?? {};
  sendJson(res, 201, {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status: rulesReviewStatus(rulesFor(user, spec.namespace || undefined)),
  });
}
