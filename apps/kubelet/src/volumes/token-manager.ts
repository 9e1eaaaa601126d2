/**
 * The kubelet's service-account token manager (upstream pkg/kubelet/token): tokens come from the
 * TokenRequest API (POST serviceaccounts/<sa>/token), bound to the pod that mounts them, and are
 * cached per (namespace, service account, audiences, expiration, bound pod) so every pod sync can
 * ask again for free. A cached token is refreshed once 80% of its life has passed, or once it is
 * 24 hours old, whichever comes first; a failed refresh keeps serving the old token until it has
 * actually expired. A pod's tokens are forgotten when the pod goes.
 *
 * Worked example: a token requested at 12:00:00 with expirationSeconds 600 expires at 12:10:00;
 * 80% of its 600 s life is 480 s, so from 12:08:00 (minus up to 10 s of jitter, so that many pods
 * started together do not refresh in the same second) the next sync requests a new one.
 */
import type { Logger } from '@skiff/log';

/** authentication.k8s.io/v1 TokenRequestSpec, as the kubelet fills it for a projected volume. */
export interface TokenRequestSpec {
  /** Absent or empty: the apiserver's own audiences. */
  audiences?: string[];
  expirationSeconds: number;
  boundObjectRef: { kind: 'Pod'; apiVersion: 'v1'; name: string; uid: string };
}

/** What the apiserver answered: TokenRequest status. */
export interface IssuedToken {
  token: string;
  /** RFC 3339. */
  expirationTimestamp: string;
}

/** POST /api/v1/namespaces/<namespace>/serviceaccounts/<serviceAccount>/token. */
export type RequestToken = (namespace: string, serviceAccount: string, spec: TokenRequestSpec) => Promise<IssuedToken>;

export interface TokenManagerOptions {
  requestToken: RequestToken;
  logger?: Logger;
  now?: () => number;
  /**
   * The share of a token's life after which it is refreshed (upstream: 0.8). Only tests lower it,
   * so that a 600 s token is seen refreshed without waiting eight minutes.
   */
  refreshFraction?: number;
  /** A token older than this is refreshed whatever its expiry (upstream maxTTL: 24 h). */
  maxAgeMs?: number;
  /** Subtracted from the refresh moment on each check (upstream: random, under 10 s). */
  jitterMs?: () => number;
}

interface CachedToken {
  token: string;
  /** Our clock when the token arrived. */
  receivedAt: number;
  expiresAt: number;
  podUid: string;
}

export const DEFAULT_REFRESH_FRACTION = 0.8;
const MAX_AGE_MS = 24 * 60 * 60 * 1000;
const MAX_JITTER_MS = 10_000;
/** Expired tokens of pods that never said goodbye are dropped at most this often. */
const GC_PERIOD_MS = 60_000;

export class TokenManager {
  readonly #requestToken: RequestToken;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  readonly #refreshFraction: number;
  readonly #maxAgeMs: number;
  readonly #jitterMs: () => number;
  readonly #cache = new Map<string, CachedToken>();
  /** One request per key at a time: two syncs asking together share the answer. */
  readonly #inflight = new Map<string, Promise<string>>();
  #lastGc = 0;

  constructor(opts: TokenManagerOptions) {
    this.#requestToken = opts.requestToken;
    this.#logger = opts.logger;
    this.#now = opts.now ?? Date.now;
    const fraction = opts.refreshFraction ?? DEFAULT_REFRESH_FRACTION;
    if (!(fraction > 0 && fraction <= 1)) throw new Error(`token refresh fraction must be in (0, 1], not ${fraction}`);
    this.#refreshFraction = fraction;
    this.#maxAgeMs = opts.maxAgeMs ?? MAX_AGE_MS;
    this.#jitterMs = opts.jitterMs ?? (() => Math.random() * MAX_JITTER_MS);
  }

  /** Tokens held (for tests and metrics). */
  get size(): number {
    return this.#cache.size;
  }

  /**
   * The cached token while it is fresh; otherwise a new one. A failed request is an error only
   * when there is no token yet or the cached one has expired.
   */
  getServiceAccountToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string> {
    const key = tokenKey(namespace, serviceAccount, spec);
    this.#collectExpired(key);
    const cached = this.#cache.get(key);
    if (cached && !this.requiresRefresh(cached)) return Promise.resolve(cached.token);
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#fetch(key, namespace, serviceAccount, spec).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /** The pod is gone: its tokens are of no use to anyone. */
  deletePodTokens(podUid: string): void {
    for (const [key, entry] of this.#cache) if (entry.podUid === podUid) this.#cache.delete(key);
  }

  /** Past the refresh moment: fraction of the life, capped at the maximum age, minus jitter. */
  requiresRefresh(entry: Pick<CachedToken, 'receivedAt' | 'expiresAt'>): boolean {
    const life = entry.expiresAt - entry.receivedAt;
    const refreshAfter = Math.min(life * this.#refreshFraction, this.#maxAgeMs);
    return this.#now() >= entry.receivedAt + refreshAfter - this.#jitterMs();
  }

  async #fetch(key: string, namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string> {
    const cached = this.#cache.get(key);
    let issued: IssuedToken;
    try {
      issued = await this.#requestToken(namespace, serviceAccount, spec);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (!cached) throw new Error(`failed to fetch token: ${reason}`, { cause: err });
      if (this.#now() >= cached.expiresAt) throw new Error(`token ${key} expired and refresh failed: ${reason}`, { cause: err });
      this.#logger?.warn(
        { serviceAccount: `${namespace}/${serviceAccount}`, pod: spec.boundObjectRef.name, err: reason },
        'could not refresh the service account token; the current one stays until it expires',
      );
      return cached.token;
    }
    const receivedAt = this.#now();
    const expiresAt = Date.parse(issued.expirationTimestamp);
    if (!issued.token || Number.isNaN(expiresAt)) throw new Error(`failed to fetch token: the TokenRequest answer has no token or expirationTimestamp`);
    this.#cache.set(key, { token: issued.token, receivedAt, expiresAt, podUid: spec.boundObjectRef.uid });
    return issued.token;
  }

  /** Drops expired tokens, but the one being asked for: its failed refresh should say it expired. */
  #collectExpired(asked: string): void {
    const now = this.#now();
    if (now - this.#lastGc < GC_PERIOD_MS) return;
    this.#lastGc = now;
    for (const [key, entry] of this.#cache) if (key !== asked && now >= entry.expiresAt) this.#cache.delete(key);
  }
}

/** Everything that makes two requests ask for different tokens (upstream keyFunc). */
function tokenKey(namespace: string, serviceAccount: string, spec: TokenRequestSpec): string {
  const ref = spec.boundObjectRef;
  return JSON.stringify([namespace, serviceAccount, spec.audiences ?? [], spec.expirationSeconds, ref.kind, ref.name, ref.uid]);
}

/**
 * SKIFF_TEST_TOKEN_REFRESH_FRACTION, for integration tests only: a lower refresh fraction (e.g.
 * 0.02 refreshes a 600 s token after 12 s) so a suite can watch a token being rewritten.
 * Unset: upstream's 0.8.
 */
export const TEST_TOKEN_REFRESH_FRACTION_ENV = 'SKIFF_TEST_TOKEN_REFRESH_FRACTION';

export function refreshFractionFromEnv(env: Record<string, string | undefined> = process.env): number | undefined {
  const raw = env[TEST_TOKEN_REFRESH_FRACTION_ENV];
  if (raw === undefined || raw === '') return undefined;
  const fraction = Number(raw);
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`${TEST_TOKEN_REFRESH_FRACTION_ENV}=${raw}: must be a number in (0, 1]`);
  return fraction;
}
