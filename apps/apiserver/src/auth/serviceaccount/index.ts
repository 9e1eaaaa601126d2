/**
 * Service accounts in the apiserver: the signing key, token authentication, the TokenRequest
 * issuer on the registry context, and the routes (TokenReview, the issuer's discovery and JWKS).
 *
 * Keys: --service-account-signing-key-file signs (TokenRequest); --service-account-key-file
 * verifies (the signing key's public half verifies too). With neither, service-account tokens
 * are off: TokenRequest answers 404 and JWTs fall through to the other authenticators.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from '@skiff/log';
import type { ApiServerConfig } from '../../config.ts';
import type { ApiRoute } from '../../http/server.ts';
import type { Authenticator } from '../../http/authn.ts';
import type { RegistryContext } from '../../registry/context.ts';
import { ServiceAccountTokenAuthenticator, watchedServiceAccountObjects } from './authenticator.ts';
import { issuerDiscoveryRoutes, tokenReviewRoute, type ReviewToken } from './routes.ts';
import { InvalidTokenError, LEGACY_ISSUER, TokenIssuer, unverifiedIssuer } from './token-issuer.ts';

type AsyncAuthenticator = (...args: Parameters<Authenticator>) => ReturnType<Authenticator> | Promise<ReturnType<Authenticator>>;

export interface ServiceAccountAuth {
  /** Wraps the other authenticators: a bearer token that is a service-account JWT is checked here. */
  authenticate(next: AsyncAuthenticator): AsyncAuthenticator;
  routes: ApiRoute[];
}

function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/** A request carrying only `token`, to ask the rest of the chain about it (TokenReview). */
function requestWithToken(token: string): IncomingMessage {
  return { method: 'POST', url: '/', headers: { authorization: `Bearer ${token}` }, socket: {} } as unknown as IncomingMessage;
}

export async function setupServiceAccounts(config: ApiServerConfig, ctx: RegistryContext, logger: Logger): Promise<ServiceAccountAuth> {
  const log = logger.child({ component: 'serviceaccount' });
  const apiAudiences = config.apiAudiences.length > 0 ? config.apiAudiences : [config.serviceAccountIssuer];
  let issuer: TokenIssuer | undefined;
  if (config.serviceAccountSigningKeyFile || config.serviceAccountKeyFile) {
    issuer = await TokenIssuer.fromFiles({
      issuer: config.serviceAccountIssuer,
      apiAudiences,
      signingKeyFile: config.serviceAccountSigningKeyFile,
      keyFile: config.serviceAccountKeyFile,
    });
    if (issuer.canSign) ctx.serviceAccountTokens = issuer;
    else log.warn('no --service-account-signing-key-file: service-account tokens are verified but TokenRequest is off');
  } else {
    log.warn('no --service-account-key-file or --service-account-signing-key-file: service-account tokens are off (pods get no API credentials)');
  }
  const tokens = issuer ? new ServiceAccountTokenAuthenticator(issuer, watchedServiceAccountObjects(ctx.watched)) : undefined;
  const isServiceAccountToken = (token: string): boolean => {
    const iss = unverifiedIssuer(token);
    return tokens !== undefined && iss !== undefined && (iss === config.serviceAccountIssuer || iss === LEGACY_ISSUER);
  };

  // TokenReview asks the whole chain; the chain's tail is known once index.ts wraps it.
  let rest: AsyncAuthenticator = () => undefined;
  const review: ReviewToken = async (token, audiences) => {
    const wanted = audiences ?? apiAudiences;
    if (tokens && isServiceAccountToken(token)) {
      try {
        return await tokens.authenticate(token, wanted, ctx.now());
      } catch (err) {
        return { error: `invalid bearer token, ${(err as Error).message}` };
      }
    }
    // Static and bootstrap tokens name no audience: they hold for the apiserver's own only.
    const accepted = wanted.filter((a) => apiAudiences.includes(a));
    if (accepted.length === 0) return { error: 'token audiences are invalid' };
    const user = await rest(requestWithToken(token));
    return user ? { user, audiences: accepted } : { error: 'invalid bearer token' };
  };

  return {
    authenticate(next) {
      rest = next;
      if (!tokens) return next;
      return async (req) => {
        const token = bearerToken(req);
        if (token === undefined || !isServiceAccountToken(token)) return next(req);
        try {
          return (await tokens.authenticate(token, apiAudiences, ctx.now())).user;
        } catch (err) {
          // A JWT of ours that does not hold is a 401: no other authenticator gets to try it.
          if (err instanceof InvalidTokenError) log.debug({ reason: err.message }, 'service-account token refused');
          else log.warn({ err }, 'service-account token check failed');
          return undefined;
        }
      };
    },
    routes: [tokenReviewRoute(review, config.maxRequestBytes), ...(issuer ? issuerDiscoveryRoutes(issuer) : [])],
  };
}
