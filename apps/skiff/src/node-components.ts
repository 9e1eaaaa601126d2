/**
 * The node half of the single-host cluster: the Docker kubelet (node name = hostname), kube-proxy and
 * the node-local DNS server on 169.254.20.10 (on the dummy interface skiff-dns0, or on loopback when
 * the kernel has no dummy driver). Their certificates and kubeconfigs, and the host changes `up`
 * makes for them and `down` undoes.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { issueCertificate, issueClientCertificate, writeKubeconfig, type ClusterPki } from '@skiff/pki';
import { nodeScriptComponent, type ComponentSpec } from './components.ts';
import { REPO_ROOT, getLogFile, getPidFile, type SkiffPaths, type SkiffPorts } from './paths.ts';
import type { ManagedProcess } from './processes.ts';
import { runCommand, tryCommand } from './lab/run-command.ts';

export const CLUSTER_CIDR = '10.244.0.0/16';
export const DNS_ADDRESS = '169.254.20.10';
export const DNS_INTERFACE = 'skiff-dns0';
export const POD_NETWORK = 'skiff0';
export type NodeComponentName = 'kubelet' | 'kube-proxy' | 'dns';
export const NODE_COMPONENT_NAMES: NodeComponentName[] = ['kubelet', 'kube-proxy', 'dns'];

const MAIN: Record<NodeComponentName, string> = {
  kubelet: join(REPO_ROOT, 'apps/kubelet/src/main.ts'),
  'kube-proxy': join(REPO_ROOT, 'apps/kube-proxy/src/main.ts'),
  dns: join(REPO_ROOT, 'apps/dns/src/main.ts'),
};

export function nodeName(): string {
  return hostname().toLowerCase();
}

export function kubeletRootDir(paths: SkiffPaths): string {
  return join(paths.home, 'kubelet');
}

const pkiFile = (paths: SkiffPaths, f: string) => join(paths.pkiDir, f);
const kubeconfigOf = (paths: SkiffPaths, name: NodeComponentName) => join(paths.kubeconfigDir, `${name}.kubeconfig`);

/** The apiserver's --kubelet-client-* flags: its identity towards kubelet APIs (kube-apiserver-kubelet-client). */
export function apiServerKubeletClientFlags(paths: SkiffPaths): string[] {
  return [
    `--kubelet-client-certificate=${pkiFile(paths, 'apiserver-kubelet-client.crt')}`,
    `--kubelet-client-key=${pkiFile(paths, 'apiserver-kubelet-client.key')}`,
  ];
}

async function writePair(paths: SkiffPaths, name: string, pair: { cert: string; key: string }): Promise<void> {
  await writeFile(pkiFile(paths, `${name}.key`), pair.key, { mode: 0o600 });
  await writeFile(pkiFile(paths, `${name}.crt`), pair.cert, { mode: 0o644 });
}

/** The apiserver's kubelet-client certificate (before the apiserver starts). */
export async function ensureKubeletClientCert(paths: SkiffPaths, pki: ClusterPki): Promise<void> {
  if (existsSync(pkiFile(paths, 'apiserver-kubelet-client.crt'))) return;
  await writePair(paths, 'apiserver-kubelet-client', await issueClientCertificate(pki, 'kube-apiserver-kubelet-client', ['system:masters']));
}

/** Fresh credentials for a node component about to start: kubeconfig, and the kubelet's serving cert. */
export async function writeNodeCredentials(paths: SkiffPaths, pki: ClusterPki, server: string, name: NodeComponentName, addresses: string[]): Promise<void> {
  const node = nodeName();
  const identity = name === 'kubelet' ? { user: `system:node:${node}`, groups: ['system:nodes'] }
    : name === 'kube-proxy' ? { user: 'system:kube-proxy', groups: [] } : { user: 'system:skiff-dns', groups: [] };
  const pair = await issueClientCertificate(pki, identity.user, identity.groups);
  await writeKubeconfig(kubeconfigOf(paths, name), { server, caCert: pki.caCert, clientCert: pair.cert, clientKey: pair.key, userName: identity.user });
  if (name === 'kubelet') {
    const serving = await issueCertificate({ cert: pki.caCert, key: pki.caKey }, {
      commonName: node, hosts: [node, 'localhost', '127.0.0.1', ...addresses], usage: 'server', validityDays: 365,
    });
    await writePair(paths, 'kubelet', serving);
  }
}

export function getNodeComponent(paths: SkiffPaths, ports: SkiffPorts, name: NodeComponentName, opts: { nodeIp?: string } = {}): ComponentSpec {
  const main = MAIN[name];
  const proc: ManagedProcess = { name, pidFile: getPidFile(paths, name), logFile: getLogFile(paths, name), marker: main };
  let flags: string[];
  let port: number;
  if (name === 'kubelet') {
    port = ports.kubeletHealthz;
    flags = [
      `--node-name=${nodeName()}`, ...(opts.nodeIp ? [`--node-ip=${opts.nodeIp}`] : []),
      `--root-dir=${kubeletRootDir(paths)}`, `--network-name=${POD_NETWORK}`, `--cluster-dns=${DNS_ADDRESS}`,
      `--port=${ports.kubelet}`, `--healthz-port=${port}`,
      `--tls-cert-file=${pkiFile(paths, 'kubelet.crt')}`, `--tls-private-key-file=${pkiFile(paths, 'kubelet.key')}`,
      `--client-ca-file=${pkiFile(paths, 'ca.crt')}`,
    ];
  } else if (name === 'kube-proxy') {
    port = ports.kubeProxyMetrics;
    flags = [`--node-name=${nodeName()}`, `--cluster-cidr=${CLUSTER_CIDR}`, `--metrics-port=${port}`];
  } else {
    port = ports.dnsMetrics;
    flags = [`--bind=${DNS_ADDRESS}`, '--port=53', `--metrics-port=${port}`];
  }
  return nodeScriptComponent(proc, main, port, [`--kubeconfig=${kubeconfigOf(paths, name)}`, ...flags]);
}

/** 169.254.20.10 on skiff-dns0 (a dummy interface), or on lo when there is no dummy driver. */
export async function ensureDnsInterface(): Promise<string> {
  if ((await tryCommand('ip', ['link', 'show', 'dev', DNS_INTERFACE])).code !== 0) {
    if ((await tryCommand('ip', ['link', 'add', DNS_INTERFACE, 'type', 'dummy'])).code !== 0) {
      const lo = await runCommand('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo']);
      if (!lo.includes(` ${DNS_ADDRESS}/`)) await runCommand('ip', ['addr', 'add', `${DNS_ADDRESS}/32`, 'dev', 'lo']);
      return 'lo';
    }
  }
  const addrs = await runCommand('ip', ['-4', '-o', 'addr', 'show', 'dev', DNS_INTERFACE]);
  if (!addrs.includes(` ${DNS_ADDRESS}/`)) await runCommand('ip', ['addr', 'add', `${DNS_ADDRESS}/32`, 'dev', DNS_INTERFACE]);
  await runCommand('ip', ['link', 'set', DNS_INTERFACE, 'up']);
  return DNS_INTERFACE;
}

export async function removeDnsInterface(): Promise<void> {
  if ((await tryCommand('ip', ['link', 'show', 'dev', DNS_INTERFACE])).code === 0) await runCommand('ip', ['link', 'del', DNS_INTERFACE]);
  await tryCommand('ip', ['addr', 'del', `${DNS_ADDRESS}/32`, 'dev', 'lo']);
}

/** Removes this node's pod containers (the kubelet labels them with its node name) and the pod network. */
export async function removePodContainers(docker = new Docker()): Promise<number> {
  const filters = JSON.stringify({ label: [`skiff.node=${nodeName()}`] });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})));
  const networks = await docker.listNetworks({ filters: JSON.stringify({ name: [POD_NETWORK] }) });
  for (const n of networks.filter((n) => n.Name === POD_NETWORK)) await docker.getNetwork(n.Id).remove().catch(() => {});
  return containers.length;
}

/** `kube-proxy --cleanup`: removes its SKIFF- chains and jumps. */
export async function cleanupKubeProxy(): Promise<void> {
  await tryCommand(process.execPath, [MAIN['kube-proxy'], '--cleanup']);
}
