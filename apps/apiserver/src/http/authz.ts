/**
 * Authorization seam. Today every authenticated user may do everything (RBAC comes
 * with a later issue); the decision already takes the user and the RequestInfo so
 * the RBAC authorizer drops in here without touching the pipeline.
 */
import type { UserInfo } from '../registry/handlers.ts';
import type { RequestInfo } from './request-info.ts';

export interface AuthorizationDecision {
  allowed: boolean;
  reason: string;
}

export type Authorizer = (user: UserInfo, info: RequestInfo) => AuthorizationDecision | Promise<AuthorizationDecision>;

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
    const csr = info.group === 'certificates.k8s.io' && info.resource === 'certificatesigningrequests' && info.subresource === '';
    if (csr && ['create', 'get', 'list', 'watch'].includes(info.verb)) return { allowed: true, reason: 'bootstrappers may request node certificates' };
    return { allowed: false, reason: 'bootstrap tokens may only create and read CertificateSigningRequests' };
  };
}
