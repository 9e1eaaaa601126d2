/**
 * `skiff token create [--ttl 24h] [--description TEXT]`: a bootstrap token for `skiff join`,
 * as `kubeadm token create` makes one:
 *  - the Secret kube-system/bootstrap-token-<id> (type bootstrap.kubernetes.io/token) the
 *    apiserver authenticates `Bearer <id>.<secret>` against, as system:bootstrap:<id> in
 *    system:bootstrappers and system:bootstrappers:skiff:default-node-token;
 *  - the ConfigMap kube-public/cluster-info (a kubeconfig with the server and CA, readable
 *    without credentials) with a detached JWS of it signed with the token secret
 *    (`jws-kubeconfig-<id>`), so a joining machine can tell the CA it downloads comes from a
 *    server that knows its token before it sends the token anywhere.
 * It prints the token, the CA pin (sha256 of the CA's SubjectPublicKeyInfo) and the join command.
 */
import { createHmac, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { findResource, type ConfigMap, type Secret } from '@skiff/api';
import { isAlreadyExists, isConflict, isNotFound, RestClient } from '@skiff/client';
import { publicKeyPin } from '@skiff/pki';
import { stringify } from 'yaml';
import { resolveSkiffPaths } from './paths.ts';
import { parseFlags, UsageError } from './usage.ts';

export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:skiff:default-node-token';
export const CLUSTER_INFO = { namespace: 'kube-public', name: 'cluster-info' } as const;
const secrets = findResource('', 'v1', 'secrets')!;
const configMaps = findResource('', 'v1', 'configmaps')!;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** `24h`, `90m`, `3600s`, `1h30m`, or `0` (never expires). */
export function parseTtlSeconds(text: string): number {
  if (text === '0') return 0;
  const re = /(\d+)(h|m|s)/gy;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1 };
  let total = 0;
  let end = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    end = re.lastIndex;
  }
  if (end === 0 || end !== text.length) throw new Error(`--ttl: want a duration like 24h, 30m or 0, got "${text}"`);
  return total;
}

/** A detached JWS (RFC 7515 appendix F: `header..signature`), HS256 keyed with the token secret, as kubeadm's bootstrap signer writes. */
export function signDetachedJws(payload: string, tokenId: string, tokenSecret: string): string {
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
  const header = b64(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const signature = createHmac('sha256', `${tokenId}.${tokenSecret}`)
    .update(`${header}.${b64(payload)}`)
    .digest('base64url');
  return `${header}..${signature}`;
}

export type CreatedToken = { token: string; id: string; secret: string; expiration?: string };

/** Writes the token Secret and (re)signs cluster-info for it. */
export async function createBootstrapToken(
  client: RestClient,
  opts: { server: string; caCert: string; ttlSeconds: number; description?: string; now?: Date },
): Promise<CreatedToken> {
  const id = randomString(6);
  const secret = randomString(16);
  const now = opts.now ?? new Date();
  const expiration = opts.ttlSeconds > 0 ? new Date(now.getTime() + opts.ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
  const stringData: Record<string, string> = {
    'token-id': id,
    'token-secret': secret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': DEFAULT_NODE_TOKEN_GROUP,
    description: opts.description ?? 'skiff join token',
    ...(expiration ? { expiration } : {}),
  };
  const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const obj: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: BOOTSTRAP_TOKEN_TYPE,
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    data,
  };
  await client.create(secrets, obj);
  await signClusterInfo(client, { server: opts.server, caCert: opts.caCert, tokenId: id, tokenSecret: secret });
  return { token: `${id}.${secret}`, id, secret, ...(expiration ? { expiration } : {}) };
}

/** kube-public/cluster-info: the kubeconfig a joining node trusts once the JWS and the CA pin check out. */
export function renderClusterInfoKubeconfig(server: string, caCert: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: '', cluster: { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } }],
    contexts: [],
    users: [],
    preferences: {},
  });
}

async function signClusterInfo(client: RestClient, opts: { server: string; caCert: string; tokenId: string; tokenSecret: string }): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    let current: ConfigMap | undefined;
    try {
      current = await client.get<ConfigMap>(configMaps, CLUSTER_INFO.namespace, CLUSTER_INFO.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    // Keep the published kubeconfig once there is one: older tokens' signatures are over it.
    const kubeconfig = current?.data?.kubeconfig ?? renderClusterInfoKubeconfig(opts.server, opts.caCert);
    const data = { ...current?.data, kubeconfig, [`jws-kubeconfig-${opts.tokenId}`]: signDetachedJws(kubeconfig, opts.tokenId, opts.tokenSecret) };
    const cm: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...current?.metadata, name: CLUSTER_INFO.name, namespace: CLUSTER_INFO.namespace },
      data,
    };
    try {
      if (current) await client.update(configMaps, cm);
      else await client.create(configMaps, cm);
      return;
    } catch (err) {
      // Someone else created or changed it (another `token create`): read again.
      if (!isAlreadyExists(err) && !isConflict(err)) throw err;
    }
  }
  throw new Error('cluster-info: too many conflicting updates');
}

/** The address other machines reach this apiserver at: the kubeconfig's unless it is loopback. */
function advertisedServer(server: string): string {
  const url = new URL(server);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return server;
  for (const addrs of Object.values(networkInterfaces())) {
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return `https://${v4.address}:${url.port || '443'}`;
  }
  return server;
}

export async function runToken(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`);
  const { flags } = parseFlags(rest, { values: ['ttl', 'description', 'server'] });
  const ttl = (flags.ttl as string | undefined) ?? '24h';
  const description = flags.description as string | undefined;
  const server = flags.server as string | undefined;
  const paths = resolveSkiffPaths();
  const client = RestClient.fromKubeconfig(paths.kubeconfig);
  try {
    const caCert = client.config.caCert ?? (await readFile(`${paths.pkiDir}/ca.crt`, 'utf8'));
    const joinServer = server ?? advertisedServer(client.config.server);
    const created = await createBootstrapToken(client, { server: joinServer, caCert, ttlSeconds: parseTtlSeconds(ttl), description });
    const pin = publicKeyPin(caCert);
    console.log(created.token);
    console.log(`ca-cert-hash: ${pin}${created.expiration ? `\nexpires: ${created.expiration}` : '\nexpires: never'}`);
    console.log(`\nOn the new machine:\n  ./skiff join ${joinServer} --token ${created.token} --ca-cert-hash ${pin}`);
    return 0;
  } finally {
    client.close();
  }
}
