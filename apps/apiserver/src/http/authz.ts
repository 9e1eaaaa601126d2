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
