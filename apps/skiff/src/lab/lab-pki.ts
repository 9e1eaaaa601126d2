/**
 * The lab's certificates and kubeconfigs: the etcd CA and its member and client certificates; one CA; the apiservers' serving cert for the lab host
 * address; the apiserver's kubelet-client cert (CN kube-apiserver-kubelet-client, no groups: RBAC
 * lets it reach kubelet APIs); per node a kubelet serving cert for its address; and a client cert +
 * kubeconfig for every component, each its own least-privileged identity, all pointing at the balancer.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { ensureClusterPki, ensureEtcdPki, issueCertificate, issueClientCertificate, writeKubeconfig, type ClusterPki } from '@skiff/pki';
import { getClientIdentity } from '../components.ts';
import { ensureApiServerClientPairs, nodeComponentIdentity, type NodeComponentName } from '../node-components.ts';
import { balancerUrl, labKubeconfig, labPki, NODE_CREDENTIALS } from './lab-components.ts';
import type { LabLayout } from './lab-layout.ts';

const VALIDITY_DAYS = 365;

/** The name of a lab's cluster, admin user and context in its kubeconfigs, unique per slot (kind's `kind-<name>`). */
export function labContextName(slot: number): string {
  return `skiff-lab-${slot}`;
}

async function writePairOnce(layout: LabLayout, name: string, issue: () => Promise<{ cert: string; key: string }>): Promise<void> {
  const crt = labPki(layout, `${name}.crt`);
  if (existsSync(crt)) return;
  const pair = await issue();
  await writeFile(labPki(layout, `${name}.key`), pair.key, { mode: 0o600 });
  await writeFile(crt, pair.cert, { mode: 0o644 });
}

/** Identity (CN, O) of each client, as kubeadm names them. */
function identityOf(name: string): { user: string; groups: string[] } {
  const [node, agent] = name.includes('/') ? name.split('/') : [undefined, name];
  if (node !== undefined) return nodeComponentIdentity(agent as NodeComponentName, node);
  if (agent!.startsWith('controller-manager')) return getClientIdentity('controller-manager');
  if (agent!.startsWith('scheduler')) return getClientIdentity('scheduler');
  return { user: 'admin', groups: ['system:masters'] };
}

export async function ensureLabPki(layout: LabLayout): Promise<ClusterPki> {
  await mkdir(layout.pkiDir, { recursive: true, mode: 0o700 });
  const pki = await ensureClusterPki(layout.pkiDir, { apiServerHosts: [layout.hostIp, '127.0.0.1', 'localhost'] });
  const ca = { cert: pki.caCert, key: pki.caKey };
  await ensureApiServerClientPairs(layout.pkiDir, pki);
  // The etcd CA apart from the cluster CA: members on loopback, the apiservers its only clients.
  await ensureEtcdPki(layout.pkiDir, { hosts: [] });
  for (const node of layout.nodes) {
    await writePairOnce(layout, `${node.name}.kubelet`, () =>
      issueCertificate(ca, { commonName: node.name, hosts: [node.ip, node.name], usage: 'server', validityDays: VALIDITY_DAYS }),
    );
  }
  const server = balancerUrl(layout);
  await mkdir(layout.kubeconfigDir, { recursive: true, mode: 0o700 });
  const labName = labContextName(layout.slot);
  await writeKubeconfig(layout.kubeconfigPath, {
    server,
    caCert: pki.caCert,
    clientCert: pki.adminCert,
    clientKey: pki.adminKey,
    clusterName: labName,
    userName: labName,
    contextName: labName,
  });
  const clients = [
    ...layout.controllerManagerPorts.map((_, i) => `controller-manager-${i}`),
    ...layout.schedulerPorts.map((_, i) => `scheduler-${i}`),
    ...layout.nodes.flatMap((n) => NODE_CREDENTIALS.map((a) => `${n.name}/${a}`)),
  ];
  for (const name of clients) {
    const path = labKubeconfig(layout, name);
    if (existsSync(path)) continue;
    const { user, groups } = identityOf(name);
    const pair = await issueClientCertificate(pki, user, groups);
    await writeKubeconfig(path, {
      server,
      caCert: pki.caCert,
      clientCert: pair.cert,
      clientKey: pair.key,
      userName: user,
      clusterName: labName,
      contextName: labName,
    });
  }
  return pki;
}
