/**
 * Authorization seam: the decision takes the user and the RequestInfo (or, for access
 * reviews, the attributes a request would have had). Authorizers chain as kube-apiserver's
 * do (--authorization-mode=Node,RBAC): each allows, denies, or has no opinion, and the
 * first that allows or denies decides (auth/authorizer.ts builds the cluster's chain).
 */
import type { UserInfo } from '../registry/handlers.ts';
import type { RequestInfo } from './request-info.ts';

export interface AuthorizationDecision {
  allowed: boolean;
  reason: string;
  /** Not allowed and not denied either: the next authorizer of a union decides. */
  noOpinion?: boolean;
}

export type Authorizer = (user: UserInfo, info: RequestInfo) => AuthorizationDecision | Promise<AuthorizationDecision>;

/** kube's union authorizer: the first decision that is not "no opinion" wins; none at all is a denial. */
export function unionAuthorizers(...authorizers: Authorizer[]): Authorizer {
  return async (user, info) => {
    const reasons: string[] = [];
    for (const authorize of authorizers) {
      const decision = await authorize(user, info);
      if (!decision.noOpinion) return decision;
      if (decision.reason) reasons.push(decision.reason);
    }
    return { allowed: false, noOpinion: true, reason: reasons.join(', ') };
  };
}

export const allowAuthenticated: Authorizer = () => ({ allowed: true, reason: 'every authenticated user is allowed until RBAC lands' });

/** The group every bootstrap token authenticates into (apps/apiserver/src/auth/bootstrap-token.ts). */
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';

/**
 * A bootstrap token is for one thing: asking for a node certificate. Without RBAC, allowing every
 * authenticated user would make a token that leaked during its TTL a full admin credential, so
 * its holders get only what kubeadm's bootstrap RBAC grants — CertificateSigningRequests
 * (create, get, list, watch) and discovery — and everything else is forbidden.
 */
export function restrictBootstrappers(next: Authorizer): Authorizer {
  return (user, info) => {
    if (!user.groups.includes(BOOTSTRAPPERS_GROUP)) return next(user, info);
    if (!info.isResourceRequest) return { allowed: true, reason: 'discovery is open to bootstrappers' };
    if (bootstrapperRules.some((rule) => ruleCovers(rule, info))) return { allowed: true, reason: 'bootstrappers may request node certificates and ask who they are' };
    return { allowed: false, reason: 'bootstrap tokens may only create and read CertificateSigningRequests' };
  };
}

export interface ResourceRule { verbs: string[]; apiGroups: string[]; resources: string[] }
export interface NonResourceRule { verbs: string[]; nonResourceURLs: string[] }

/**
 * What a bootstrap token may do with resources: kubeadm's node-bootstrapper grant (CSRs) and
 * system:basic-user's self reviews (`kubectl auth can-i`, `auth whoami`). Both the authorizer and
 * rulesFor read this list.
 */
const bootstrapperRules: ResourceRule[] = [
  { verbs: ['create', 'get', 'list', 'watch'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'] },
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
];

function ruleCovers(rule: ResourceRule, info: RequestInfo): boolean {
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  return rule.verbs.includes(info.verb) && rule.apiGroups.includes(info.group) && rule.resources.includes(resource);
}

/**
 * The rules the authorizers above grant `user`, for SelfSubjectRulesReview (`kubectl auth can-i
 * --list`). Written here, beside them, so the two change together.
 */
export function rulesFor(user: UserInfo): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[] } {
  const anyPath: NonResourceRule = { verbs: ['*'], nonResourceURLs: ['*'] };
  if (user.groups.includes(BOOTSTRAPPERS_GROUP)) return { resourceRules: bootstrapperRules, nonResourceRules: [anyPath] };
  return { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [anyPath] };
}
