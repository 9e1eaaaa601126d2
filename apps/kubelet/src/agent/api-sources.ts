/**
 * The objects pods refer to (ConfigMaps, Secrets, PVCs, PVs) read on demand with a short-lived
 * cache: a pod's containers and volumes ask for the same object many times in one sync, and an
 * update must still show within seconds (the kubelet's TTL-based configmap/secret manager).
 */
import { findResource, type ConfigMap, type PersistentVolume, type PersistentVolumeClaim, type Secret } from '@skiff/api';
import { isNotFound, type KubeObject, type RestClient } from '@skiff/client';
import type { IssuedToken, RequestToken, TokenRequestSpec } from '../volumes/index.ts';
import type { VolumeSources } from './plugins.ts';

const TTL_MS = 2_000;
const configMaps = findResource('', 'v1', 'configmaps')!;
const secrets = findResource('', 'v1', 'secrets')!;
const pvcs = findResource('', 'v1', 'persistentvolumeclaims')!;
const pvs = findResource('', 'v1', 'persistentvolumes')!;
const serviceAccounts = findResource('', 'v1', 'serviceaccounts')!;

export class ApiSources implements VolumeSources {
  readonly #client: Pick<RestClient, 'get'>;
  readonly #cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(client: Pick<RestClient, 'get'>) {
    this.#client = client;
  }

  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.#get(configMaps, namespace, name);
  }

  getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.#get(secrets, namespace, name);
  }

  getPersistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    return this.#get(pvcs, namespace, name);
  }

  getPersistentVolume(name: string): Promise<PersistentVolume | undefined> {
    return this.#get(pvs, undefined, name);
  }

  #get<T extends KubeObject>(resource: typeof configMaps, namespace: string | undefined, name: string): Promise<T | undefined> {
    const key = `${resource.resource}/${namespace ?? ''}/${name}`;
    const now = Date.now();
    const hit = this.#cache.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.value as Promise<T | undefined>;
    const value = this.#client.get<T>(resource, namespace, name).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      this.#cache.delete(key);
      throw err;
    });
    this.#cache.set(key, { at: now, value });
    if (this.#cache.size > 1000) this.#cache.delete(this.#cache.keys().next().value!);
    return value;
  }
}

interface TokenRequest extends KubeObject {
  spec: TokenRequestSpec;
  status?: Partial<IssuedToken>;
}

/** The TokenRequest API (authentication.k8s.io/v1) as the token manager calls it: never cached here. */
export function createTokenRequester(client: Pick<RestClient, 'create'>): RequestToken {
  return async (namespace, serviceAccount, spec) => {
    const body: TokenRequest = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec };
    const answer = await client.create<TokenRequest>(serviceAccounts, body, { namespace, name: serviceAccount, subresource: 'token' });
    return { token: answer.status?.token ?? '', expirationTimestamp: answer.status?.expirationTimestamp ?? '' };
  };
}
