/**
 * Bootstrap tokens, as kube-apiserver's --enable-bootstrap-token-auth: a bearer token
 * `<id>.<secret>` (6 and 16 characters of [a-z0-9]) is valid while the Secret
 * kube-system/bootstrap-token-<id> of type bootstrap.kubernetes.io/token holds the same
 * token-secret, allows authentication (usage-bootstrap-authentication=true) and has not
 * expired. The user is `system:bootstrap:<id>` in `system:bootstrappers` plus the
 * Secret's auth-extra-groups. `skiff token create` writes such Secrets; `skiff join`
 * presents one to ask for its node certificate.
 *
 * The Secret is read from the apiserver's watched Secrets, not from etcd: anyone can send a
 * bearer of the bootstrap shape without credentials, and a flood of them must not become a
 * flood of etcd reads. A token the watch has not delivered yet (`skiff token create` a moment
 * ago) is read from storage, but at most READS_PER_SECOND such reads happen a second across
 * all callers; beyond that an unknown token is simply unknown (401), as it would be anyway.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { findResource } from '@skiff/api';
import type { Logger } from '@skiff/log';
import type { UserInfo } from '../registry/handlers.ts';
import type { KubeObject, Store } from '../storage/store.ts';
import type { WatchedCollections } from '../storage/watched-collection.ts';
import { watchedServiceAccountObjects } from './serviceaccount/authenticator.ts';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const BOOTSTRAPPERS = 'system:bootstrappers';
const secretsResource = findResource('', 'v1', 'secrets')!;

/**
 * kube-public/cluster-info is public, as kube's system:public-info-viewer binding makes it:
 * a joining machine reads the CA from it before it trusts the server with its token. Only
 * that one GET is let in without credentials (there is no general anonymous access).
 */
const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';
const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

function isClusterInfoRead(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = (req.url ?? '').split('?')[0]!.replace(/\/+$/, '');
  return path === CLUSTER_INFO_PATH;
}

export type AsyncAuthenticator = (req: IncomingMessage) => UserInfo | undefined | Promise<UserInfo | undefined>;

function field(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, string> | undefined;
  const value = data?.[key];
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The user a valid bootstrap token names, else undefined (with the reason logged at debug:
 * a caller only ever learns "401").
 */
export function userForBootstrapSecret(secret: KubeObject | undefined, id: string, tokenSecret: string, now: Date): { user?: UserInfo; reason?: string } {
  if (!secret) return { reason: 'no such token' };
  if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return { reason: `secret type is ${String(secret.type)}` };
  if (secret.metadata.deletionTimestamp) return { reason: 'token is being deleted' };
  if (field(secret, 'token-id') !== id) return { reason: 'token-id does not match' };
  const stored = field(secret, 'token-secret');
  if (stored === undefined || !sameSecret(stored, tokenSecret)) return { reason: 'wrong secret' };
  if (field(secret, 'usage-bootstrap-authentication') !== 'true') return { reason: 'token not usable for authentication' };
  const expiration = field(secret, 'expiration');
  if (expiration !== undefined) {
    const at = Date.parse(expiration);
    if (Number.isNaN(at) || at <= now.getTime()) return { reason: 'token expired' };
  }
  const extra = (field(secret, 'auth-extra-groups') ?? '')
    .split(',')
    .map((g) => g.trim())
    // kube accepts only groups under system:bootstrappers: a token never grants system:masters.
    .filter((g) => g.startsWith(`${BOOTSTRAPPERS}:`));
  return { user: { username: `system:bootstrap:${id}`, groups: [BOOTSTRAPPERS, ...new Set(extra), 'system:authenticated'] } };
}

/** Where kube-system/bootstrap-token-<id> Secrets are found. */
export interface BootstrapTokenSecrets {
  /** From memory: the apiserver's watched Secrets. */
  cached(name: string): Promise<KubeObject | undefined>;
  /** From storage: only for names the cache does not hold, and rate-limited. */
  read(name: string): Promise<KubeObject | undefined>;
}

/** Storage reads a second (with a burst of as many) for tokens the watch has not delivered. */
export const READS_PER_SECOND = 5;

export function bootstrapTokenSecrets(watched: WatchedCollections, store: Pick<Store, 'get'>): BootstrapTokenSecrets {
  const secrets = watchedServiceAccountObjects(watched);
  return {
    cached: (name) => secrets.secret('kube-system', name),
    async read(name) {
      try {
        return await store.get(secretsResource, 'kube-system', name);
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
        return undefined;
      }
    },
  };
}

/** A token bucket: `take()` is true while reads are left this second. */
function readBudget(perSecond: number, now: () => number): { take(): boolean } {
  let tokens = perSecond;
  let at = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(perSecond, tokens + ((t - at) / 1000) * perSecond);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * Wraps the static authenticator (client certificates, token file): when it does not
 * know the caller and the bearer token has the bootstrap shape, the token's Secret decides.
 */
export function withBootstrapTokens(
  base: AsyncAuthenticator,
  secrets: BootstrapTokenSecrets,
  logger: Logger,
  now: () => Date = () => new Date(),
): AsyncAuthenticator {
  const budget = readBudget(READS_PER_SECOND, () => now().getTime());
  return async (req) => {
    const known = await base(req);
    if (known) return known;
    if (req.headers.authorization === undefined && isClusterInfoRead(req)) return { ...ANONYMOUS, groups: [...ANONYMOUS.groups] };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const token = m ? BOOTSTRAP_TOKEN_PATTERN.exec(m[1]!) : null;
    if (!token) return undefined;
    const [, id, tokenSecret] = token as unknown as [string, string, string];
    const name = `bootstrap-token-${id}`;
    let secret = await secrets.cached(name);
    if (!secret && budget.take()) secret = await secrets.read(name);
    const { user, reason } = userForBootstrapSecret(secret, id, tokenSecret, now());
    if (!user) logger.debug({ tokenId: id, reason }, 'bootstrap token rejected');
    return user;
  };
}
