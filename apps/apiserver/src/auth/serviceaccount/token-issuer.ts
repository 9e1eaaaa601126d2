/**
 * Service-account tokens: JWTs signed with the cluster's service-account key, in upstream's two
 * shapes (pkg/serviceaccount/claims.go and legacy.go).
 *
 * - Bound tokens (TokenRequest, the kubelet's projected volume): `iss` = --service-account-issuer,
 *   `aud`, `exp`/`iat`/`nbf`, `jti`, and the private claim `kubernetes.io` naming the namespace,
 *   the ServiceAccount (name+uid) and the object the token is bound to (a Pod or a Secret).
 * - Legacy tokens (token Secrets the controller-manager fills): `iss` = kubernetes/serviceaccount,
 *   never expire, and carry flat `kubernetes.io/serviceaccount/...` claims.
 *
 * This file signs and checks signatures and times; whether the objects a token names still exist
 * is the authenticator's question (authenticator.ts), because it needs the live objects.
 */
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { decodeJwt, decodeProtectedHeader, exportJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import {
  LEGACY_CLAIMS,
  LEGACY_SERVICE_ACCOUNT_ISSUER,
  legacyServiceAccountClaims,
  parseServiceAccountPrivateKey,
  parseServiceAccountPublicKeys,
  serviceAccountKeyId,
  signingAlgorithmOf,
  type ServiceAccountSigningAlgorithm,
} from '@skiff/pki';

/** `iss` of the tokens in legacy token Secrets. */
export const LEGACY_ISSUER = LEGACY_SERVICE_ACCOUNT_ISSUER;

export interface ObjectRef {
  name: string;
  uid: string;
}

/** What a bound token says about who it is for and what it is bound to. */
export interface BoundTokenClaims {
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface IssueTokenRequest extends BoundTokenClaims {
  audiences: string[];
  expirationSeconds: number;
}

export interface IssuedToken {
  token: string;
  expirationTimestamp: Date;
}

export type VerifiedToken =
  | ({ legacy: false; audiences: string[]; jti?: string } & BoundTokenClaims)
  | { legacy: true; namespace: string; serviceAccount: ObjectRef; secretName: string };

/** A token that is a JWT of ours but does not hold: the message goes to logs and TokenReview's status.error. */
export class InvalidTokenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidTokenError';
  }
}

interface VerifyKey {
  key: KeyObject;
  kid: string;
  alg: ServiceAccountSigningAlgorithm;
}

/** `kubernetes.io` private claim of a bound token, as upstream spells it. */
interface KubernetesClaim {
  namespace?: string;
  serviceaccount?: Partial<ObjectRef>;
  pod?: Partial<ObjectRef>;
  secret?: Partial<ObjectRef>;
  node?: Partial<ObjectRef>;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** A bearer token that looks like a compact JWS (three base64url parts), and its unverified `iss`. */
export function unverifiedIssuer(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) return undefined;
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

function refOf(value: Partial<ObjectRef> | undefined, what: string): ObjectRef | undefined {
  if (value === undefined) return undefined;
  if (typeof value.name !== 'string' || !value.name || typeof value.uid !== 'string' || !value.uid) {
    throw new InvalidTokenError(`token's ${what} reference is incomplete`);
  }
  return { name: value.name, uid: value.uid };
}

function boundClaimsOf(payload: JWTPayload): BoundTokenClaims {
  const k8s = payload['kubernetes.io'] as KubernetesClaim | undefined;
  if (!k8s || typeof k8s.namespace !== 'string' || !k8s.namespace) throw new InvalidTokenError('token lacks the kubernetes.io claim');
  const serviceAccount = refOf(k8s.serviceaccount, 'service account');
  if (!serviceAccount) throw new InvalidTokenError('token names no service account');
  if (payload.sub !== serviceAccountUsername(k8s.namespace, serviceAccount.name))
    throw new InvalidTokenError('token subject does not match its service account');
  const claims: BoundTokenClaims = { namespace: k8s.namespace, serviceAccount };
  const pod = refOf(k8s.pod, 'pod');
  const secret = refOf(k8s.secret, 'secret');
  const node = refOf(k8s.node, 'node');
  if (pod) claims.pod = pod;
  if (secret) claims.secret = secret;
  if (node) claims.node = node;
  return claims;
}

function legacyClaimsOf(payload: JWTPayload): VerifiedToken {
  const read = (claim: string): string => {
    const value = payload[claim];
    if (typeof value !== 'string' || !value) throw new InvalidTokenError(`token lacks the ${claim} claim`);
    return value;
  };
  const namespace = read(LEGACY_CLAIMS.namespace);
  const name = read(LEGACY_CLAIMS.name);
  if (payload.sub !== serviceAccountUsername(namespace, name)) throw new InvalidTokenError('token subject does not match its service account');
  return { legacy: true, namespace, serviceAccount: { name, uid: read(LEGACY_CLAIMS.uid) }, secretName: read(LEGACY_CLAIMS.secretName) };
}

export interface TokenIssuerOptions {
  issuer: string;
  /** --api-audiences; empty means [issuer]. */
  apiAudiences: string[];
  /** Signs TokenRequests; without it the issuer only verifies. */
  signingKey?: KeyObject;
  /** Keys that verify, public or private (the signing key's public half is added when missing). */
  verifyKeys: KeyObject[];
}

export class TokenIssuer {
  readonly issuer: string;
  readonly apiAudiences: readonly string[];
  readonly #signing: { privateKey: KeyObject; kid: string; alg: ServiceAccountSigningAlgorithm } | undefined;
  readonly #verify: VerifyKey[];

  constructor(opts: TokenIssuerOptions) {
    this.issuer = opts.issuer;
    this.apiAudiences = opts.apiAudiences.length > 0 ? [...opts.apiAudiences] : [opts.issuer];
    const verify = opts.verifyKeys.map((k) => {
      const key = k.type === 'private' ? createPublicKey(k) : k;
      return { key, kid: serviceAccountKeyId(key), alg: signingAlgorithmOf(key) };
    });
    if (opts.signingKey) {
      const kid = serviceAccountKeyId(opts.signingKey);
      this.#signing = { privateKey: opts.signingKey, kid, alg: signingAlgorithmOf(opts.signingKey) };
      if (!verify.some((k) => k.kid === kid)) verify.push({ key: createPublicKey(opts.signingKey), kid, alg: this.#signing.alg });
    }
    this.#verify = verify;
  }

  /** From --service-account-signing-key-file and --service-account-key-file (either may be missing). */
  static async fromFiles(opts: { issuer: string; apiAudiences: string[]; signingKeyFile?: string; keyFile?: string }): Promise<TokenIssuer> {
    const signingKey = opts.signingKeyFile ? parseServiceAccountPrivateKey(await readFile(opts.signingKeyFile, 'utf8'), opts.signingKeyFile) : undefined;
    const verifyKeys = opts.keyFile ? parseServiceAccountPublicKeys(await readFile(opts.keyFile, 'utf8'), opts.keyFile) : [];
    return new TokenIssuer({ issuer: opts.issuer, apiAudiences: opts.apiAudiences, signingKey, verifyKeys });
  }

  get canSign(): boolean {
    return this.#signing !== undefined;
  }

  async issue(req: IssueTokenRequest, now: Date): Promise<IssuedToken> {
    if (!this.#signing) throw new Error('service-account token signing is not configured (--service-account-signing-key-file)');
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + req.expirationSeconds;
    const k8s: KubernetesClaim = { namespace: req.namespace };
    // Upstream's field order: namespace, node, pod, secret, serviceaccount.
    if (req.node) k8s.node = req.node;
    if (req.pod) k8s.pod = req.pod;
    if (req.secret) k8s.secret = req.secret;
    k8s.serviceaccount = req.serviceAccount;
    const token = await new SignJWT({ 'kubernetes.io': k8s })
      .setProtectedHeader({ alg: this.#signing.alg, kid: this.#signing.kid })
      .setAudience(req.audiences)
      .setExpirationTime(exp)
      .setIssuedAt(iat)
      .setIssuer(this.issuer)
      .setJti(randomUUID())
      .setNotBefore(iat)
      .setSubject(serviceAccountUsername(req.namespace, req.serviceAccount.name))
      .sign(this.#signing.privateKey);
    return { token, expirationTimestamp: new Date(exp * 1000) };
  }

  /** Signs a legacy token Secret's token (tests; the controller-manager has its own signer). */
  async signLegacy(namespace: string, serviceAccount: ObjectRef, secretName: string): Promise<string> {
    if (!this.#signing) throw new Error('service-account token signing is not configured');
    return new SignJWT(legacyServiceAccountClaims(namespace, serviceAccount, secretName))
      .setProtectedHeader({ alg: this.#signing.alg, kid: this.#signing.kid })
      .sign(this.#signing.privateKey);
  }

  /** Signature, issuer and times. Throws InvalidTokenError; audiences are the caller's to match. */
  async verify(token: string, now: Date): Promise<VerifiedToken> {
    const iss = unverifiedIssuer(token);
    if (iss !== this.issuer && iss !== LEGACY_ISSUER) throw new InvalidTokenError('token is not from this issuer');
    const payload = await this.#checkSignature(token, now);
    if (iss === LEGACY_ISSUER) return legacyClaimsOf(payload);
    if (typeof payload.exp !== 'number') throw new InvalidTokenError('token has no expiry');
    const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return { legacy: false, audiences: aud, ...(payload.jti ? { jti: payload.jti } : {}), ...boundClaimsOf(payload) };
  }

  async #checkSignature(token: string, now: Date): Promise<JWTPayload> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch (err) {
      throw new InvalidTokenError('malformed token header', { cause: err });
    }
    // Upstream tries every key; the kid only saves the tries that cannot succeed.
    const byKid = this.#verify.filter((k) => k.kid === kid);
    const candidates = byKid.length > 0 ? byKid : this.#verify;
    let lastError: unknown = new InvalidTokenError('no key verifies service-account tokens');
    for (const { key, alg } of candidates) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: [alg], currentDate: now });
        return payload;
      } catch (err) {
        lastError = err;
        const code = (err as { code?: string }).code;
        // Times are checked after the signature: the key was right, the token is not valid now.
        if (code === 'ERR_JWT_EXPIRED') throw new InvalidTokenError('token has expired', { cause: err });
        if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') throw new InvalidTokenError(`token is not valid: ${(err as Error).message}`, { cause: err });
      }
    }
    throw lastError instanceof InvalidTokenError ? lastError : new InvalidTokenError('token signature is invalid', { cause: lastError });
  }

  /** The verifying keys as a JWK Set, as /openid/v1/jwks serves them. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const keys = await Promise.all(
      this.#verify.map(async ({ key, kid, alg }) => {
        const jwk = await exportJWK(key);
        return { use: 'sig', kty: jwk.kty!, kid, alg, ...jwk } as JWK;
      }),
    );
    return { keys };
  }
}
