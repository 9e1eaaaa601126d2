/**
 * Authorization seam: the decision takes the user and the RequestInfo (or, for access
 * reviews, the attributes a request would have had). Authorizers chain as kube-apiserver's
 * do (--authorization-mode=Node,RBAC): each allows, denies, or has no opinion, and the
 * first that allows or denies decides (auth/authorizer.ts builds the cluster's chain).
 */
import { ApiError } from '../errors.ts';
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

/**
 * The 403 for a request the chain did not allow, in upstream's words (responsewriters.Forbidden):
 * `pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "b"`,
 * `... at the cluster scope`, `forbidden: User "alice" cannot get path "/metrics"`, with the
 * authorizers' reason after a colon when they gave one.
 */
export function forbiddenError(user: UserInfo, info: RequestInfo, reason: string): ApiError {
  let message: string;
  if (!info.isResourceRequest) {
    message = `User "${user.username}" cannot ${info.verb} path "${info.path}"`;
  } else {
    const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
    const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
    message = `User "${user.username}" cannot ${info.verb} resource "${resource}" in API group "${info.group}" ${scope}`;
  }
  if (reason) message = `${message}: ${reason}`;
  const qualified = info.resource ? (info.group ? `${info.resource}.${info.group}` : info.resource) : '';
  const subject = info.name ? `${qualified} "${info.name}"` : qualified;
  return new ApiError(403, 'Forbidden', subject ? `${subject} is forbidden: ${message}` : `forbidden: ${message}`, {
    ...(info.name ? { name: info.name } : {}),
    ...(info.group ? { group: info.group } : {}),
    ...(info.resource ? { kind: info.resource } : {}),
  });
}
