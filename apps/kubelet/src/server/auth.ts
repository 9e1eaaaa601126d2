/**
 * Who may call the kubelet API, as upstream's webhook mode (pkg/kubelet/server/auth.go): the caller
 * is authenticated by a client certificate the --client-ca-file signed (CN user, O groups) or by a
 * bearer token the apiserver vouches for (TokenReview), then authorized by the apiserver
 * (SubjectAccessReview) for `<verb> nodes/<subresource>` on this node. The apiserver's own proxying
 * identity (kube-apiserver-kubelet-client) gets in through RBAC like anyone else.
 *
 * Decisions are cached (allowed 5 min, denied 30 s, tokens 2 min: upstream's defaults) so that
 * `kubectl logs`/`exec` pay a review at most once per identity and subresource, not per request.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export const KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';

export type AuthorizationMode = 'Webhook' | 'AlwaysAllow';

export type AuthResult = { ok: true; user: KubeletUser } | { ok: false; code: 401 | 403 | 500; message: string };

export interface KubeletUser {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** The two reviews the apiserver answers; the kubelet passes its RestClient's `request`. */
export type ReviewPoster = (path: string, body: unknown) => Promise<unknown>;

export interface KubeletAuthOptions {
  mode: AuthorizationMode;
  nodeName: string;
  hasClientCa: boolean;
  /** Needed for bearer tokens and for Webhook mode. */
  post?: ReviewPoster;
  /** For tests: the clock the caches run on. */
  now?: () => number;
}

export const ALLOWED_TTL_MS = 5 * 60_000;
export const DENIED_TTL_MS = 30_000;
export const TOKEN_TTL_MS = 2 * 60_000;
const CACHE_LIMIT = 10_000;

const TOKEN_REVIEWS = '/apis/authentication.k8s.io/v1/tokenreviews';
const ACCESS_REVIEWS = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

/** Upstream's verb for a kubelet request (GET and HEAD read; the rest by method). */
export function verbOf(method: string | undefined): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return 'get';
  }
}

/** Upstream names the subresource after the path: stats, metrics, log, spec; everything else (exec, containerLogs, pods...) is proxy. */
export function subresourceOf(path: string): string {
  const under = (prefix: string): boolean => path === prefix || path.startsWith(`${prefix}/`);
  if (under('/stats')) return 'stats';
  if (under('/metrics')) return 'metrics';
  if (under('/logs')) return 'log';
  if (under('/spec')) return 'spec';
  return 'proxy';
}

interface Entry<T> {
  value: Promise<T>;
  expires: number;
}

/** A TTL cache that also shares the in-flight lookup, so a burst of `exec`s makes one review. */
class DecisionCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly now: () => number;
  constructor(now: () => number) {
    this.now = now;
  }

  get(key: string, lookup: () => Promise<T>, ttlOf: (value: T) => number): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    if (this.#entries.size >= CACHE_LIMIT) this.#entries.clear();
    const value = lookup();
    const entry: Entry<T> = { value, expires: Number.POSITIVE_INFINITY };
    this.#entries.set(key, entry);
    value.then(
      (v) => {
        entry.expires = this.now() + ttlOf(v);
      },
      () => this.#entries.delete(key),
    );
    return value;
  }
}

export class KubeletAuth {
  readonly #opts: KubeletAuthOptions;
  readonly #tokens: DecisionCache<KubeletUser | undefined>;
  readonly #decisions: DecisionCache<boolean>;

  constructor(opts: KubeletAuthOptions) {
    this.#opts = opts;
    const now = opts.now ?? Date.now;
    this.#tokens = new DecisionCache(now);
    this.#decisions = new DecisionCache(now);
  }

  /** Authenticates then authorizes one request (plain or upgrade). */
  async check(req: IncomingMessage): Promise<AuthResult> {
    let user: KubeletUser | undefined;
    try {
      user = await this.authenticate(req);
    } catch {
      return { ok: false, code: 401, message: 'Unauthorized' };
    }
    if (!user) return { ok: false, code: 401, message: 'Unauthorized' };
    if (this.#opts.mode === 'AlwaysAllow') return { ok: true, user };
    const verb = verbOf(req.method);
    const subresource = subresourceOf(new URL(req.url ?? '/', 'https://kubelet').pathname);
    const attrs = `user=${user.username}, verb=${verb}, resource=nodes, subresource=${subresource}`;
    try {
      if (await this.#authorize(user, verb, subresource)) return { ok: true, user };
      return { ok: false, code: 403, message: `Forbidden (${attrs})` };
    } catch {
      return { ok: false, code: 500, message: `Authorization error (${attrs})` };
    }
  }

  async authenticate(req: IncomingMessage): Promise<KubeletUser | undefined> {
    const fromCert = this.#certificateUser(req);
    if (fromCert) return fromCert;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !this.#opts.post) return undefined;
    const token = match[1]!;
    // Keyed by the token's hash, so the cache does not hold credentials.
    const key = createHash('sha256').update(token).digest('base64');
    return this.#tokens.get(
      key,
      () => this.#reviewToken(token),
      (u) => (u ? TOKEN_TTL_MS : DENIED_TTL_MS),
    );
  }

  #certificateUser(req: IncomingMessage): KubeletUser | undefined {
    const socket = req.socket as TLSSocket;
    if (!this.#opts.hasClientCa || !socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined;
    const cert = socket.getPeerCertificate();
    // A certificate the CA did not sign identifies nobody: that is "unauthenticated", like no certificate.
    if (!cert || Object.keys(cert).length === 0) return undefined;
    const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const username = list(cert.subject?.CN)[0];
    if (!username) return undefined;
    return { username, groups: [...list(cert.subject?.O), 'system:authenticated'] };
  }

  async #reviewToken(token: string): Promise<KubeletUser | undefined> {
    const review = (await this.#opts.post!(TOKEN_REVIEWS, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token },
    })) as { status?: { authenticated?: boolean; user?: KubeletUser } };
    const user = review.status?.user;
    if (!review.status?.authenticated || !user?.username) return undefined;
    return { username: user.username, groups: user.groups ?? [], uid: user.uid, extra: user.extra };
  }

  #authorize(user: KubeletUser, verb: string, subresource: string): Promise<boolean> {
    if (!this.#opts.post) return Promise.resolve(false);
    const key = JSON.stringify([user.username, [...user.groups].sort(), user.extra ?? {}, verb, subresource]);
    return this.#decisions.get(
      key,
      async () => {
        const review = (await this.#opts.post!(ACCESS_REVIEWS, {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.username,
            groups: user.groups,
            ...(user.uid ? { uid: user.uid } : {}),
            ...(user.extra ? { extra: user.extra } : {}),
            resourceAttributes: { verb, resource: 'nodes', name: this.#opts.nodeName, subresource },
          },
        })) as { status?: { allowed?: boolean } };
        return review.status?.allowed === true;
      },
      (allowed) => (allowed ? ALLOWED_TTL_MS : DENIED_TTL_MS),
    );
  }
}
