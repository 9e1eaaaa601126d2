/**
 * Service-account token authentication (upstream's pkg/serviceaccount validators): after the
 * issuer checked signature and times, the objects the token names must still be there — the
 * ServiceAccount with the same uid, and for a bound token its Pod or Secret with the same uid
 * (deleted more than a minute ago counts as gone); a legacy token's Secret must still hold
 * exactly this token. All of it is read from the apiserver's watched collections, never etcd.
 */
import { findResourceByKind } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import type { WatchedCollections } from '../../storage/watched-collection.ts';
import type { UserInfo } from '../../registry/handlers.ts';
import { InvalidTokenError, serviceAccountUsername, type ObjectRef, type TokenIssuer, type VerifiedToken } from './token-issuer.ts';

/** A bound object deleted longer ago than this no longer backs its tokens (upstream: 60 s). */
const DELETION_GRACE_MS = 60_000;

export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';
export const EXTRA_NODE_UID = 'authentication.kubernetes.io/node-uid';
export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

/** The objects a token is checked against; `undefined` means absent. */
export interface ServiceAccountObjects {
  serviceAccount(namespace: string, name: string): Promise<KubeObject | undefined>;
  pod(namespace: string, name: string): Promise<KubeObject | undefined>;
  secret(namespace: string, name: string): Promise<KubeObject | undefined>;
}

/** ServiceAccountObjects over the apiserver's shared informers (waiting for the first list once). */
export function watchedServiceAccountObjects(watched: WatchedCollections): ServiceAccountObjects {
  const lookup = (kind: string) => {
    const res = findResourceByKind('v1', kind)!;
    return async (namespace: string, name: string): Promise<KubeObject | undefined> => {
      const collection = watched.of(res);
      if (!collection.isSynced) await collection.synced;
      return collection.get(namespace, name);
    };
  };
  return { serviceAccount: lookup('ServiceAccount'), pod: lookup('Pod'), secret: lookup('Secret') };
}

export interface AuthenticatedToken {
  user: UserInfo;
  /** The token's audiences that the caller accepts. */
  audiences: string[];
}

function intersect(a: readonly string[], b: readonly string[]): string[] {
  return a.filter((x) => b.includes(x));
}

/** The live object must exist, carry the token's uid, and not have been deleted over a minute ago. */
function checkLive(obj: KubeObject | undefined, ref: ObjectRef, what: string, now: Date): void {
  if (!obj) throw new InvalidTokenError(`${what} "${ref.name}" no longer exists`);
  if (obj.metadata.uid !== ref.uid)
    throw new InvalidTokenError(`${what} "${ref.name}" uid (${String(obj.metadata.uid)}) does not match the token's (${ref.uid})`);
  const deleted = obj.metadata.deletionTimestamp;
  if (typeof deleted === 'string' && Date.parse(deleted) < now.getTime() - DELETION_GRACE_MS) {
    throw new InvalidTokenError(`${what} "${ref.name}" was deleted`);
  }
}

function userOf(namespace: string, serviceAccount: ObjectRef, extra: Record<string, string[]>): UserInfo {
  const user: UserInfo = {
    username: serviceAccountUsername(namespace, serviceAccount.name),
    uid: serviceAccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
  if (Object.keys(extra).length > 0) user.extra = extra;
  return user;
}

export class ServiceAccountTokenAuthenticator {
  readonly #issuer: TokenIssuer;
  readonly #objects: ServiceAccountObjects;

  constructor(issuer: TokenIssuer, objects: ServiceAccountObjects) {
    this.#issuer = issuer;
    this.#objects = objects;
  }

  get apiAudiences(): readonly string[] {
    return this.#issuer.apiAudiences;
  }

  /** Throws InvalidTokenError when the token does not hold; `audiences` are those the caller accepts. */
  async authenticate(token: string, audiences: readonly string[], now: Date): Promise<AuthenticatedToken> {
    const verified = await this.#issuer.verify(token, now);
    // Legacy tokens name no audience: they stand for the apiserver's own (upstream's implicit audiences).
    const accepted = intersect(verified.legacy ? this.#issuer.apiAudiences : verified.audiences, audiences);
    if (accepted.length === 0) throw new InvalidTokenError('token audiences are invalid');
    if (verified.legacy) return this.#authenticateLegacy(token, verified, accepted, now);
    const { namespace, serviceAccount, pod, secret, node } = verified;
    checkLive(await this.#objects.serviceAccount(namespace, serviceAccount.name), serviceAccount, 'service account', now);
    const extra: Record<string, string[]> = {};
    if (pod) {
      checkLive(await this.#objects.pod(namespace, pod.name), pod, 'pod', now);
      extra[EXTRA_POD_NAME] = [pod.name];
      extra[EXTRA_POD_UID] = [pod.uid];
    }
    if (secret) checkLive(await this.#objects.secret(namespace, secret.name), secret, 'secret', now);
    if (node) {
      extra[EXTRA_NODE_NAME] = [node.name];
      extra[EXTRA_NODE_UID] = [node.uid];
    }
    if (verified.jti) extra[EXTRA_CREDENTIAL_ID] = [`JTI=${verified.jti}`];
    return { user: userOf(namespace, serviceAccount, extra), audiences: accepted };
  }

  async #authenticateLegacy(token: string, verified: Extract<VerifiedToken, { legacy: true }>, accepted: string[], now: Date): Promise<AuthenticatedToken> {
    const { namespace, serviceAccount, secretName } = verified;
    const secret = await this.#objects.secret(namespace, secretName);
    if (!secret) throw new InvalidTokenError(`secret "${secretName}" no longer exists`);
    if (secret.metadata.deletionTimestamp) throw new InvalidTokenError(`secret "${secretName}" is being deleted`);
    const stored = (secret.data as Record<string, string> | undefined)?.token;
    if (!stored || Buffer.from(stored, 'base64').toString('utf8') !== token) throw new InvalidTokenError("token does not match the server's copy");
    checkLive(await this.#objects.serviceAccount(namespace, serviceAccount.name), serviceAccount, 'service account', now);
    return { user: userOf(namespace, serviceAccount, {}), audiences: accepted };
  }
}
