/**
 * Picks the credentials for an image out of kubernetes.io/dockerconfigjson pull secrets, the way
 * the kubelet's credential keyring does for the common cases: the registry host is the image's
 * first path component when it looks like a host (has a dot or a port, or is localhost), else
 * Docker Hub, whose key in config files is `https://index.docker.io/v1/`.
 */
import type { RegistryAuth } from '../container-runtime.ts';

const DOCKER_HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

export function getRegistryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** Strips scheme and path so `https://reg.example.com/v1/` and `reg.example.com` compare equal. */
function normalizeRegistryKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

/**
 * Returns the first matching entry of the given `.dockerconfigjson` documents (in pull-secret
 * order), decoding `auth` (base64 `user:password`) when username/password are absent.
 */
export function findRegistryAuth(image: string, dockerConfigJsons: string[]): RegistryAuth | undefined {
  const host = getRegistryHost(image);
  const wanted = host === 'docker.io' ? DOCKER_HUB_KEYS.map(normalizeRegistryKey) : [host];
  for (const json of dockerConfigJsons) {
    let auths: Record<string, RegistryAuth & { auth?: string }>;
    try {
      auths = (JSON.parse(json) as { auths?: typeof auths }).auths ?? {};
    } catch {
      continue; // a malformed secret is the pod author's problem; other secrets may still match
    }
    for (const [key, entry] of Object.entries(auths)) {
      if (!wanted.includes(normalizeRegistryKey(key))) continue;
      let { username, password } = entry;
      if ((!username || !password) && entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
      }
      return { username, password, serveraddress: key };
    }
  }
  return undefined;
}

/**
 * The credentials for an image from the pod's imagePullSecrets (kubernetes.io/dockerconfigjson
 * `.dockerconfigjson`, or the legacy kubernetes.io/dockercfg `.dockercfg` map), in the pod's
 * order. A missing secret is skipped, as the kubelet does (it logs and pulls without it).
 */
export async function getPullSecretAuth(
  pod: { metadata?: { namespace?: string }; spec?: { imagePullSecrets?: { name?: string }[] } },
  image: string,
  getSecret: (namespace: string, name: string) => Promise<{ data?: Record<string, string> } | undefined>,
): Promise<RegistryAuth | undefined> {
  const ns = pod.metadata?.namespace ?? 'default';
  const configs: string[] = [];
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    if (!ref.name) continue;
    const secret = await getSecret(ns, ref.name).catch(() => undefined);
    const json = secret?.data?.['.dockerconfigjson'];
    const legacy = secret?.data?.['.dockercfg'];
    if (json) configs.push(Buffer.from(json, 'base64').toString('utf8'));
    else if (legacy) configs.push(JSON.stringify({ auths: JSON.parse(Buffer.from(legacy, 'base64').toString('utf8') || '{}') }));
  }
  return findRegistryAuth(image, configs);
}
