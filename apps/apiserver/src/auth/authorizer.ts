/**
 * The cluster's authorizer (kube-apiserver's --authorization-mode=Node,RBAC), installed on the
 * registry context for admission's second-verb checks, with the routes that answer access
 * reviews. (To be written: today bootstrap tokens are restricted and everyone else is allowed.)
 */
import type { Logger } from '@skiff/log';
import { allowAuthenticated, restrictBootstrappers, type Authorizer } from '../http/authz.ts';
import type { ApiRoute } from '../http/server.ts';
import type { RegistryContext } from '../registry/context.ts';

export interface ClusterAuthorization {
  authorize: Authorizer;
  routes: ApiRoute[];
}

export async function setupAuthorization(ctx: RegistryContext, _logger: Logger): Promise<ClusterAuthorization> {
  const authorize = restrictBootstrappers(allowAuthenticated);
  ctx.authorization = { ...ctx.authorization, authorize: async (user, info) => authorize(user, info) };
  return { authorize, routes: [] };
}
