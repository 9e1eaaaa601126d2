/**
 * Clients that are not the admin: a client certificate for any user and groups, signed by the
 * test cluster's CA, as an ApiTarget for raw requests and as a kubeconfig for kubectl and the
 * JS client. Authorization tests use it to speak as a node, kube-proxy, or a plain user.
 */
import { join } from 'node:path';
import { issueClientCertificate, writeKubeconfig } from '@skiff/pki';
import type { ApiTarget } from './api-request.ts';
import type { TestCluster } from './test-cluster.ts';

export interface Identity {
  target: ApiTarget;
  kubeconfigPath: string;
}

let counter = 0;

export async function identityFor(cluster: Pick<TestCluster, 'server' | 'pki' | 'dir'>, user: string, groups: string[] = []): Promise<Identity> {
  const pair = await issueClientCertificate(cluster.pki, user, groups);
  const kubeconfigPath = join(cluster.dir, `identity-${++counter}-${user.replace(/[^a-zA-Z0-9-]/g, '_')}.kubeconfig`);
  await writeKubeconfig(kubeconfigPath, { server: cluster.server, caCert: cluster.pki.caCert, clientCert: pair.cert, clientKey: pair.key, userName: user });
  return { target: { server: cluster.server, caCert: cluster.pki.caCert, clientCert: pair.cert, clientKey: pair.key }, kubeconfigPath };
}

/** A kubeconfig that authenticates with a bearer token (a service-account token, say). */
export async function tokenKubeconfig(cluster: Pick<TestCluster, 'server' | 'pki' | 'dir'>, token: string, name = 'token-user'): Promise<Identity> {
  const kubeconfigPath = join(cluster.dir, `identity-${++counter}-${name}.kubeconfig`);
  await writeKubeconfig(kubeconfigPath, { server: cluster.server, caCert: cluster.pki.caCert, token, userName: name });
  return { target: { server: cluster.server, caCert: cluster.pki.caCert, token }, kubeconfigPath };
}
