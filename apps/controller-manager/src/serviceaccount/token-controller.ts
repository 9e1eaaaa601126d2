/**
 * kube's serviceaccount-token controller (pkg/controller/serviceaccount/tokens_controller.go):
 * a Secret of type kubernetes.io/service-account-token annotated with
 * kubernetes.io/service-account.name gets, once its ServiceAccount exists, data.token (a legacy,
 * non-expiring JWT signed with --service-account-private-key-file), data.ca.crt (--root-ca-file)
 * and data.namespace, and the account's uid in kubernetes.io/service-account.uid. A token Secret
 * whose account is gone (or was recreated: another uid) is deleted, which revokes its token.
 * Keys are the Secrets' `namespace/name`; a deleted account queues the Secrets naming it.
 */
import { readFile } from 'node:fs/promises';
import { findResourceByKind, type ResourceInfo, type Secret, type ServiceAccount } from '@skiff/api';
import { isConflict, isNotFound, objectKey, watch, type Informer, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { legacyServiceAccountClaims, parseServiceAccountPrivateKey, serviceAccountKeyId, signingAlgorithmOf } from '@skiff/pki';
import { SignJWT } from 'jose';
import { keyedController, type Controller } from '../controller.ts';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

const secretsResource: ResourceInfo = findResourceByKind('v1', 'Secret')!;
const serviceAccountsResource: ResourceInfo = findResourceByKind('v1', 'ServiceAccount')!;

/** Signs a legacy token for (namespace, account, secret name). */
export type LegacyTokenSigner = (namespace: string, serviceAccount: { name: string; uid: string }, secretName: string) => Promise<string>;

/** The signer over a PEM private key, with the key id the apiserver's JWKS gives the same key. */
export function legacyTokenSigner(privateKeyPem: string, source: string): LegacyTokenSigner {
  const key = parseServiceAccountPrivateKey(privateKeyPem, source);
  const header = { alg: signingAlgorithmOf(key, source), kid: serviceAccountKeyId(key) };
  return (namespace, sa, secretName) => new SignJWT(legacyServiceAccountClaims(namespace, sa, secretName)).setProtectedHeader(header).sign(key);
}

export interface TokenControllerDeps {
  client: Pick<RestClient, 'get' | 'update' | 'delete'>;
  secrets: Pick<Informer<Secret>, 'get'>;
  serviceAccounts: Pick<Informer<ServiceAccount>, 'get'>;
  sign: LegacyTokenSigner;
  /** PEM of the cluster CA, or '' when not configured. */
  rootCa: string;
  logger?: Logger;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

function isTokenSecret(secret: Secret): boolean {
  return secret.type === SERVICE_ACCOUNT_TOKEN_TYPE && Boolean(secret.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION]);
}

export class ServiceAccountTokenController {
  readonly #deps: TokenControllerDeps;

  constructor(deps: TokenControllerDeps) {
    this.#deps = deps;
  }

  async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const secret = this.#deps.secrets.get(namespace, name);
    if (!secret || !isTokenSecret(secret) || secret.metadata?.deletionTimestamp) return;
    const annotations = secret.metadata!.annotations!;
    const sa = await this.#serviceAccountFor(namespace, annotations[SERVICE_ACCOUNT_NAME_ANNOTATION]!, annotations[SERVICE_ACCOUNT_UID_ANNOTATION]);
    if (!sa) return this.#deleteSecret(secret);
    await this.#fillSecret(secret, sa);
  }

  /**
   * The account the Secret names, with the uid it recorded (if any). The cache may not have
   * seen a just-created account, or still hold a deleted one: a miss or a uid mismatch is
   * checked live before the Secret is deleted, as upstream does.
   */
  async #serviceAccountFor(namespace: string, name: string, uid: string | undefined): Promise<ServiceAccount | undefined> {
    const matches = (sa: ServiceAccount | undefined): sa is ServiceAccount => Boolean(sa) && (!uid || sa!.metadata?.uid === uid);
    const cached = this.#deps.serviceAccounts.get(namespace, name);
    if (matches(cached)) return cached;
    try {
      const live = await this.#deps.client.get<ServiceAccount>(serviceAccountsResource, namespace, name);
      return matches(live) ? live : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new Error(`serviceaccount ${namespace}/${name}: lookup failed`, { cause: err });
    }
  }

  async #deleteSecret(secret: Secret): Promise<void> {
    const { namespace, name, uid } = secret.metadata!;
    try {
      await this.#deps.client.delete(secretsResource, namespace, name!, { preconditions: { uid: uid! } });
      this.#deps.logger?.info({ secret: `${namespace}/${name}` }, 'token secret of a deleted service account removed');
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw new Error(`secret ${namespace}/${name}: delete failed`, { cause: err });
    }
  }

  async #fillSecret(secret: Secret, sa: ServiceAccount): Promise<void> {
    const { rootCa, sign } = this.#deps;
    const namespace = secret.metadata!.namespace!;
    const name = secret.metadata!.name!;
    const data = secret.data ?? {};
    const saUid = sa.metadata!.uid!;
    const needsCa = rootCa !== '' && data['ca.crt'] !== b64(rootCa);
    const needsNamespace = !data.namespace;
    const needsToken = !data.token;
    const needsUid = secret.metadata!.annotations![SERVICE_ACCOUNT_UID_ANNOTATION] !== saUid;
    if (!needsCa && !needsNamespace && !needsToken && !needsUid) return;
    const filled = structuredClone(secret) as Secret;
    filled.data = { ...filled.data };
    if (needsCa) filled.data['ca.crt'] = b64(rootCa);
    if (needsNamespace) filled.data.namespace = b64(namespace);
    if (needsToken) filled.data.token = b64(await sign(namespace, { name: sa.metadata!.name!, uid: saUid }, name));
    filled.metadata = { ...filled.metadata, annotations: { ...filled.metadata!.annotations, [SERVICE_ACCOUNT_UID_ANNOTATION]: saUid } };
    try {
      await this.#deps.client.update(secretsResource, filled);
      this.#deps.logger?.debug({ secret: `${namespace}/${name}` }, 'service-account token secret filled');
    } catch (err) {
      // Deleted meanwhile: nothing to fill. A conflict is retried from the fresher cache.
      if (isNotFound(err)) return;
      throw new Error(`secret ${namespace}/${name}: update failed`, { cause: err });
    }
  }
}

export function newServiceAccountTokenController(): Controller {
  return keyedController('serviceaccount-token', 5, async (ctx) => {
    const { serviceAccountPrivateKeyFile: keyFile, rootCaFile } = ctx.config;
    if (!keyFile) {
      ctx.logger.info('no --service-account-private-key-file: legacy service-account token secrets are not filled');
      return undefined;
    }
    const secrets = ctx.informers.informerFor<Secret>(secretsResource, { fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` });
    const serviceAccounts = ctx.informers.informerFor<ServiceAccount>(serviceAccountsResource);
    const [keyPem, rootCa] = await Promise.all([readFile(keyFile, 'utf8'), rootCaFile ? readFile(rootCaFile, 'utf8') : '']);
    const controller = new ServiceAccountTokenController({
      client: ctx.client,
      secrets,
      serviceAccounts,
      sign: legacyTokenSigner(keyPem, keyFile),
      rootCa,
      logger: ctx.logger,
    });
    /** The token Secrets that name an account (it was deleted or recreated: they may have to go). */
    const secretsOf = (sa: ServiceAccount): string[] =>
      secrets
        .list(sa.metadata?.namespace)
        .filter((s) => isTokenSecret(s) && s.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] === sa.metadata?.name)
        .map((s) => objectKey(s));
    return {
      watches: [
        watch(secrets, {
          add: (s) => objectKey(s),
          update: (oldS, s) => (oldS.metadata?.resourceVersion === s.metadata?.resourceVersion ? undefined : objectKey(s)),
        }),
        watch(serviceAccounts, {
          add: secretsOf,
          update: (oldSa, sa) => (oldSa.metadata?.uid === sa.metadata?.uid ? undefined : secretsOf(sa)),
          delete: secretsOf,
        }),
      ],
      sync: (key) => controller.sync(key),
    };
  });
}
