import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { writeFileAtomic } from './cluster-pki.ts';

/** The user's credential: a client certificate and key (PEM), or a bearer token. */
type Credential = { clientCert: string; clientKey: string; token?: undefined } | { token: string; clientCert?: undefined; clientKey?: undefined };

export type KubeconfigOptions = {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** PEM strings; embedded as base64 *-data fields so the file stands alone. */
  caCert: string;
  clusterName?: string;
  userName?: string;
  /** The context's name, also its current-context: `skiff` by default, `skiff-lab-<slot>` for a lab. */
  contextName?: string;
} & Credential;

const toBase64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');

/** Renders a kubeconfig with one cluster, one user and its context (`skiff` unless named) selected. */
export function renderKubeconfig(opts: KubeconfigOptions): string {
  const clusterName = opts.clusterName ?? 'skiff';
  const userName = opts.userName ?? 'admin';
  const contextName = opts.contextName ?? 'skiff';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: clusterName, cluster: { server: opts.server, 'certificate-authority-data': toBase64(opts.caCert) } }],
    users: [
      {
        name: userName,
        user:
          opts.token !== undefined
            ? { token: opts.token }
            : {
                'client-certificate-data': toBase64(opts.clientCert),
                'client-key-data': toBase64(opts.clientKey),
              },
      },
    ],
    contexts: [{ name: contextName, context: { cluster: clusterName, user: userName } }],
    'current-context': contextName,
  });
}

/** Writes the kubeconfig with mode 0600: it holds a private key. */
export async function writeKubeconfig(path: string, opts: KubeconfigOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, renderKubeconfig(opts), 0o600);
}
