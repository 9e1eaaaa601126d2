import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';

/** Everything the RestClient needs to reach and authenticate to one apiserver. */
export interface RestConfig {
  /** https://host:port (no trailing slash needed). */
  server: string;
  /** PEM of the CA that signed the serving certificate; absent means the system roots. */
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
  /** The context's namespace, 'default' when the kubeconfig says nothing. */
  namespace: string;
}

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

type Fields = Record<string, unknown>;

/**
 * Reads a kubeconfig file (the format kubectl writes) and resolves the chosen context
 * (default: current-context) into a RestConfig. File references (`certificate-authority`,
 * `client-certificate`, `client-key`, `tokenFile`) are read relative to the kubeconfig's
 * own directory, as kubectl does.
 */
export function loadKubeconfig(path: string, contextName?: string): RestConfig {
  let doc: Fields;
  try {
    doc = parse(readFileSync(path, 'utf8'), { maxAliasCount: 100 }) as Fields;
  } catch (cause) {
    throw new Error(`kubeconfig ${path}: cannot read`, { cause });
  }
  return resolveKubeconfig(doc ?? {}, dirname(path), contextName, path);
}

/** The pure part of loadKubeconfig: a parsed document to a RestConfig. */
export function resolveKubeconfig(doc: Fields, baseDir: string, contextName?: string, label = 'kubeconfig'): RestConfig {
  const wanted = contextName ?? (doc['current-context'] as string | undefined);
  const contexts = (doc.contexts as NamedEntry<Fields>[] | undefined) ?? [];
  const context = wanted ? contexts.find((c) => c.name === wanted) : contexts[0];
  if (!context?.context) throw new Error(`${label}: context ${wanted ?? '(first)'} not found`);
  const clusterName = context.context.cluster as string;
  const userName = context.context.user as string | undefined;
  const cluster = ((doc.clusters as NamedEntry<Fields>[] | undefined) ?? []).find((c) => c.name === clusterName)?.cluster;
  if (!cluster) throw new Error(`${label}: cluster ${clusterName} not found`);
  const user = ((doc.users as NamedEntry<Fields>[] | undefined) ?? []).find((u) => u.name === userName)?.user ?? {};
  const server = cluster.server as string | undefined;
  if (!server) throw new Error(`${label}: cluster ${clusterName} has no server`);

  const readRef = (dataKey: string | undefined, fileKey: string, fields: Fields): string | undefined => {
    const data = dataKey ? (fields[dataKey] as string | undefined) : undefined;
    if (data) return Buffer.from(data, 'base64').toString('utf8');
    const file = fields[fileKey] as string | undefined;
    if (!file) return undefined;
    return readFileSync(isAbsolute(file) ? file : resolve(baseDir, file), 'utf8');
  };

  const token = (user.token as string | undefined) ?? readRef(undefined, 'tokenFile', user)?.trim();
  return {
    server: server.replace(/\/+$/, ''),
    caCert: readRef('certificate-authority-data', 'certificate-authority', cluster),
    clientCert: readRef('client-certificate-data', 'client-certificate', user),
    clientKey: readRef('client-key-data', 'client-key', user),
    token: token || undefined,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    namespace: (context.context.namespace as string | undefined) || 'default',
  };
}
