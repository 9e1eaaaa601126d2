/**
 * The payloads of configMap, secret and projected volumes (kubelet's configmap/secret/projected
 * plugins): every key as a file, or only the listed items at their paths, with the item's mode
 * or the volume's defaultMode. A missing object or key is an error unless marked optional.
 */
import type { ConfigMap, Pod, Secret, Volume } from '@skiff/api';
import type { Payload } from './atomic-writer.ts';
import { buildDownwardPayload, type DownwardInfo } from './downward-api.ts';
import { buildServiceAccountTokenPayload, type ServiceAccountTokens } from './service-account-token.ts';
import type { VolumeSources } from './volume-sources.ts';

/** 0644, the API's default for defaultMode. */
export const DEFAULT_MODE = 0o644;

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/** A configMap's or secret's keys decoded to bytes (data, binaryData / data, stringData). */
export function configMapData(cm: ConfigMap): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

export function secretData(secret: Secret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}

/**
 * Files for one object: all keys, or the items. `what` names the kind in Kubernetes' messages
 * ("configmap references non-existent config key: x").
 */
export function projectKeys(
  data: Map<string, Buffer>,
  items: KeyToPath[] | undefined,
  defaultMode: number,
  optional: boolean,
  what: 'configmap' | 'secret',
): Payload {
  const payload: Payload = new Map();
  if (!items || items.length === 0) {
    for (const [key, value] of data) payload.set(key, { data: value, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const value = data.get(item.key);
    if (value === undefined) {
      if (optional) continue;
      throw new Error(what === 'configmap' ? `configmap references non-existent config key: ${item.key}` : `references non-existent secret key: ${item.key}`);
    }
    payload.set(item.path, { data: value, mode: item.mode ?? defaultMode });
  }
  return payload;
}

export async function buildConfigMapPayload(
  pod: Pod,
  source: NonNullable<Volume['configMap']>,
  sources: VolumeSources,
  defaultMode?: number,
): Promise<Payload> {
  const ns = pod.metadata?.namespace ?? 'default';
  const name = source.name ?? '';
  const cm = await sources.getConfigMap(ns, name);
  if (!cm) {
    if (source.optional) return new Map();
    throw new Error(`configmap "${name}" not found`);
  }
  return projectKeys(configMapData(cm), source.items, source.defaultMode ?? defaultMode ?? DEFAULT_MODE, source.optional ?? false, 'configmap');
}

export async function buildSecretPayload(pod: Pod, source: NonNullable<Volume['secret']>, sources: VolumeSources, defaultMode?: number): Promise<Payload> {
  const ns = pod.metadata?.namespace ?? 'default';
  const name = source.secretName ?? '';
  const secret = await sources.getSecret(ns, name);
  if (!secret) {
    if (source.optional) return new Map();
    throw new Error(`secret "${name}" not found`);
  }
  return projectKeys(secretData(secret), source.items, source.defaultMode ?? defaultMode ?? DEFAULT_MODE, source.optional ?? false, 'secret');
}

/**
 * A projected volume: the union of its sources' files (a path given twice is an error, as upstream
 * validation says). `tokens` serves serviceAccountToken sources.
 */
export async function buildProjectedPayload(
  pod: Pod,
  source: NonNullable<Volume['projected']>,
  sources: VolumeSources,
  info: DownwardInfo,
  tokens?: ServiceAccountTokens,
): Promise<Payload> {
  const defaultMode = source.defaultMode ?? DEFAULT_MODE;
  const payload: Payload = new Map();
  for (const src of source.sources ?? []) {
    let part: Payload;
    if (src.configMap) {
      part = await buildConfigMapPayload(pod, { ...src.configMap, defaultMode }, sources);
    } else if (src.secret) {
      part = await buildSecretPayload(pod, { secretName: src.secret.name, items: src.secret.items, optional: src.secret.optional, defaultMode }, sources);
    } else if (src.downwardAPI) {
      part = buildDownwardPayload(pod, { ...src.downwardAPI, defaultMode }, info);
    } else if (src.serviceAccountToken) {
      part = await buildServiceAccountTokenPayload(pod, src.serviceAccountToken, defaultMode, tokens);
    } else {
      continue;
    }
    for (const [path, file] of part) {
      if (payload.has(path)) throw new Error(`conflicting projected path "${path}"`);
      payload.set(path, file);
    }
  }
  return payload;
}
