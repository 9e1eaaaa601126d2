/**
 * Service accounts in the apiserver: the signing key, token authentication, the TokenRequest
 * issuer on the registry context, and the routes (TokenReview, the issuer's discovery and
 * JWKS). (To be written.)
 */
import type { Logger } from '@skiff/log';
import type { ApiServerConfig } from '../../config.ts';
import type { ApiRoute } from '../../http/server.ts';
import type { Authenticator } from '../../http/authn.ts';
import type { RegistryContext } from '../../registry/context.ts';

type AsyncAuthenticator = (...args: Parameters<Authenticator>) => ReturnType<Authenticator> | Promise<ReturnType<Authenticator>>;

export interface ServiceAccountAuth {
  /** Wraps the other authenticators: a bearer token that is a service-account JWT is checked here. */
  authenticate(next: AsyncAuthenticator): AsyncAuthenticator;
  routes: ApiRoute[];
}

export async function setupServiceAccounts(_config: ApiServerConfig, _ctx: RegistryContext, _logger: Logger): Promise<ServiceAccountAuth> {
  return { authenticate: (next) => next, routes: [] };
}
