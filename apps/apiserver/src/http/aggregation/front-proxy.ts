/**
 * The aggregation layer's identity towards extension apiservers (--proxy-client-cert-file/-key:
 * the "front-proxy" client certificate, signed by --requestheader-client-ca-file) and what those
 * servers need to trust it: the kube-system/extension-apiserver-authentication ConfigMap that
 * metrics-server and every apiserver built on k8s.io/apiserver read at start.
 */
import { readFile } from 'node:fs/promises';
import { findResource } from '@skiff/api';
import type { ApiServerConfig } from '../../config.ts';
import { ApiError } from '../../errors.ts';
import type { RegistryContext } from '../../registry/context.ts';
import { formatTimestamp } from '../../registry/object-helpers.ts';
import { randomUUID } from 'node:crypto';

export const USERNAME_HEADER = 'X-Remote-User';
export const GROUP_HEADER = 'X-Remote-Group';
export const EXTRA_HEADER_PREFIX = 'X-Remote-Extra-';

export interface FrontProxy {
  /** The client certificate and key shown to extension apiservers. */
  cert: Buffer;
  key: Buffer;
  /** The CA that signed it (PEM), published for extension apiservers. */
  requestHeaderCa?: string;
  /** CNs extension apiservers accept the certificate from (empty: any the CA signed). */
  allowedNames: string[];
  /** The apiserver's own --client-ca-file (PEM): extension apiservers also take client certificates directly. */
  clientCa: string;
}

/** The front proxy the flags describe; undefined when --proxy-client-cert-file/-key are not given. */
export async function loadFrontProxy(config: ApiServerConfig): Promise<FrontProxy | undefined> {
  if (!config.proxyClientCertFile || !config.proxyClientKeyFile) return undefined;
  const [cert, key, clientCa, requestHeaderCa] = await Promise.all([
    readFile(config.proxyClientCertFile),
    readFile(config.proxyClientKeyFile),
    readFile(config.clientCaFile, 'utf8'),
    config.requestheaderClientCaFile ? readFile(config.requestheaderClientCaFile, 'utf8') : undefined,
  ]);
  return { cert, key, clientCa, allowedNames: config.requestheaderAllowedNames ?? [], ...(requestHeaderCa ? { requestHeaderCa } : {}) };
}

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
export const AUTHENTICATION_CONFIGMAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' };

/** The ConfigMap's data, keys and JSON-list values as kube-apiserver writes them. */
export function extensionApiserverAuthentication(frontProxy: FrontProxy | undefined, clientCa: string): Record<string, string> {
  const data: Record<string, string> = { 'client-ca-file': clientCa };
  if (frontProxy?.requestHeaderCa) {
    data['requestheader-client-ca-file'] = frontProxy.requestHeaderCa;
    data['requestheader-allowed-names'] = JSON.stringify(frontProxy.allowedNames);
    data['requestheader-username-headers'] = JSON.stringify([USERNAME_HEADER]);
    data['requestheader-group-headers'] = JSON.stringify([GROUP_HEADER]);
    data['requestheader-extra-headers-prefix'] = JSON.stringify([EXTRA_HEADER_PREFIX]);
  }
  return data;
}

/** Creates or realigns the ConfigMap (CAS update, no write when it already says the same). */
export async function publishExtensionApiserverAuthentication(ctx: RegistryContext, data: Record<string, string>): Promise<void> {
  const { namespace, name } = AUTHENTICATION_CONFIGMAP;
  const same = (current: Record<string, string> | undefined): boolean => JSON.stringify(current ?? {}) === JSON.stringify(data);
  try {
    await ctx.store.guaranteedUpdate(CONFIGMAPS, namespace, name, (cm) => (same(cm.data as Record<string, string> | undefined) ? undefined : { ...cm, data }));
    return;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
  try {
    await ctx.store.create(CONFIGMAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, uid: randomUUID(), creationTimestamp: formatTimestamp(ctx.now()) },
      data,
    });
  } catch (err) {
    // A peer apiserver wrote it first; the next start realigns it if ours differ.
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}
