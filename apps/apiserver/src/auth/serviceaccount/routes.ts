/**
 * The service-account paths served beside the resources (after authentication and authorization):
 * - POST /apis/authentication.k8s.io/v1/tokenreviews — is this token good, and for whom?
 *   (webhook token authenticators of other servers ask it; nothing is stored)
 * - GET /.well-known/openid-configuration and /openid/v1/jwks — service-account issuer
 *   discovery, so an outside party can verify our tokens (pkg/serviceaccount/openidmetadata.go).
 */
import type { Request, Response } from 'express';
import { readObjectBody } from '../../http/body.ts';
import { sendJson } from '../../http/respond.ts';
import { userInfoOf } from '../../http/self-subject-review.ts';
import type { ApiRoute } from '../../http/server.ts';
import type { UserInfo } from '../../registry/handlers.ts';
import type { TokenIssuer } from './token-issuer.ts';

export const tokenReviewPath = '/apis/authentication.k8s.io/v1/tokenreviews';
export const openIdConfigurationPath = '/.well-known/openid-configuration';
export const jwksPath = '/openid/v1/jwks';

/** What a TokenReview asks: the outcome for one token, or why it failed. */
export type ReviewToken = (token: string, audiences: string[] | undefined) => Promise<{ user: UserInfo; audiences: string[] } | { error: string }>;

interface TokenReviewSpec {
  token?: unknown;
  audiences?: unknown;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

export function tokenReviewRoute(review: ReviewToken, maxRequestBytes: number): ApiRoute {
  return async (req: Request, res: Response, info) => {
    if (req.method !== 'POST' || info.path !== tokenReviewPath) return false;
    const body = await readObjectBody(req, maxRequestBytes, 'a TokenReview');
    const spec = (typeof body.spec === 'object' && body.spec !== null ? body.spec : {}) as TokenReviewSpec;
    const token = typeof spec.token === 'string' ? spec.token : '';
    const audiences = stringList(spec.audiences);
    const outcome = token ? await review(token, audiences?.length ? audiences : undefined) : { error: 'token is empty' };
    const status =
      'user' in outcome ? { authenticated: true, user: userInfoOf(outcome.user), audiences: outcome.audiences } : { user: {}, error: outcome.error };
    sendJson(res, 201, {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { token, ...(audiences ? { audiences } : {}) },
      status,
    });
    return true;
  };
}

/**
 * Issuer discovery. The JWKS address is this apiserver as the client reached it (upstream uses
 * its external address; --service-account-jwks-uri is not offered). Only an https issuer URL
 * has a discovery document, as upstream requires.
 */
export function issuerDiscoveryRoutes(issuer: TokenIssuer): ApiRoute[] {
  const issuerIsUrl = /^https:\/\//.test(issuer.issuer);
  const discovery: ApiRoute = async (req, res, info) => {
    if (req.method !== 'GET' || info.path !== openIdConfigurationPath || !issuerIsUrl) return false;
    const jwks = await issuer.jwks();
    res.setHeader('Cache-Control', 'public, max-age=3600');
    sendJson(res, 200, {
      issuer: issuer.issuer,
      jwks_uri: `https://${req.headers.host ?? 'localhost'}${jwksPath}`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...new Set(jwks.keys.map((k) => k.alg!))],
    });
    return true;
  };
  const keys: ApiRoute = async (req, res, info) => {
    if (req.method !== 'GET' || info.path !== jwksPath) return false;
    res.setHeader('Cache-Control', 'public, max-age=3600');
    sendJson(res, 200, await issuer.jwks(), 'application/jwk-set+json');
    return true;
  };
  return [discovery, keys];
}
