/**
 * The node half of the single-host cluster: the Docker kubelet (node name = hostname), kube-proxy and
 * the node-local DNS server on 169.254.20.10 (on the dummy interface skiff-dns0, or on loopback when
 * the kernel has no dummy driver). Their certificates and kubeconfigs, and the host changes `up`
 * makes for them and `down` undoes.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { createCertificateAuthority, isCertificateUsable, issueCertificate, issueClientCertificate, writeKubeconfig, type ClusterPki } from '@skiff/pki';
import { CLUSTER_CIDR, isHealthzOk, memberOf, roleProcess, type HostRole } from './components.ts';
import { localPathRoot, type SkiffPaths, type SkiffPorts } from './paths.ts';
import { dnsFlags, ingressFlags, kubeletFlags, kubeProxyFlags, localPathFlags, networkPolicyFlags } from './roles/component-flags.ts';
import { componentCommand, roleConfigFile, roleSpec, type ComponentName, type RoleConfig } from './roles/roles.ts';
import { runCommand, tryCommand } from './lab/run-command.ts';

export { CLUSTER_CIDR } from './components.ts';
export const DNS_ADDRESS = '169.254.20.10';
export const DNS_INTERFACE = 'skiff-dns0';
export const POD_NETWORK = 'skiff0';
export type NodeComponentName = 'kubelet' | 'kube-proxy' | 'dns' | 'local-path' | 'ingress' | 'network-policy';
export const NODE_COMPONENT_NAMES: NodeComponentName[] = ['kubelet', 'kube-proxy', 'dns', 'local-path', 'ingress', 'network-policy'];
/** The node add-ons a user may leave out (`skiff up --disable ingress`: they bring their own controller). */
export type OptionalNodeComponent = 'ingress' | 'network-policy';
export const OPTIONAL_NODE_COMPONENTS: OptionalNodeComponent[] = ['ingress', 'network-policy'];

/** The apiserver's user towards kubelets; RBAC binds it to system:kubelet-api-admin (nodes/proxy, log, stats...). */
export const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';

/**
 * Each node component's own identity (CN, O), the least each needs: the kubelet speaks for its node
 * (Node authorizer); the others are bound by RBAC to system:node-proxier, system:skiff:dns,
 * system:skiff:local-path, system:skiff:ingress and system:skiff:network-policy.
 */
export function nodeComponentIdentity(name: NodeComponentName, node: string): { user: string; groups: string[] } {
  switch (name) {
    case 'kubelet':
      return { user: `system:node:${node}`, groups: ['system:nodes'] };
    case 'kube-proxy':
      return { user: 'system:kube-proxy', groups: [] };
    case 'dns':
      return { user: 'system:skiff-dns', groups: [] };
    case 'local-path':
      return { user: 'system:skiff-local-path', groups: [] };
    case 'ingress':
      return { user: 'system:skiff-ingress', groups: [] };
    case 'network-policy':
      return { user: 'system:skiff-network-policy', groups: [] };
  }
}

/**
 * `<dir>/apiserver-kubelet-client.{crt,key}`: CN kube-apiserver-kubelet-client and no groups. A
 * certificate from before RBAC carried O=system:masters; it is reissued, so the apiserver's reach
 * into kubelets is what its role grants and no more.
 */
export async function ensureKubeletClientPair(pkiDir: string, pki: ClusterPki): Promise<void> {
  const crt = join(pkiDir, 'apiserver-kubelet-client.crt');
  if (existsSync(crt) && !new X509Certificate(await readFile(crt)).subject.split('\n').includes('O=system:masters')) return;
  const pair = await issueClientCertificate(pki, KUBELET_CLIENT_USER, []);
  await writeFile(join(pkiDir, 'apiserver-kubelet-client.key'), pair.key, { mode: 0o600 });
  await writeFile(crt, pair.cert, { mode: 0o644 });
}

export const FRONT_PROXY_CLIENT_USER = 'front-proxy-client';

/**
 * The aggregation layer's own CA and client certificate, as kubeadm makes them:
 * `front-proxy-ca.{crt,key}` and `front-proxy-client.{crt,key}` (CN front-proxy-client). A CA of
 * its own, so extension apiservers that trust it for X-Remote-User headers trust no other client.
 */
export async function ensureFrontProxyPairs(pkiDir: string): Promise<void> {
  const caCrt = join(pkiDir, 'front-proxy-ca.crt');
  let ca: { cert: string; key: string };
  if (existsSync(caCrt)) ca = { cert: await readFile(caCrt, 'utf8'), key: await readFile(join(pkiDir, 'front-proxy-ca.key'), 'utf8') };
  else {
    ca = await createCertificateAuthority('front-proxy-ca', 3650);
    await writeFile(join(pkiDir, 'front-proxy-ca.key'), ca.key, { mode: 0o600 });
    await writeFile(caCrt, ca.cert, { mode: 0o644 });
  }
  const crt = join(pkiDir, 'front-proxy-client.crt');
  if (existsSync(crt) && isCertificateUsable(await readFile(crt, 'utf8'), ca.cert, { minRemainingDays: 30 })) return;
  const pair = await issueCertificate(ca, { commonName: FRONT_PROXY_CLIENT_USER, usage: 'client', validityDays: 365 });
  await writeFile(join(pkiDir, 'front-proxy-client.key'), pair.key, { mode: 0o600 });
  await writeFile(crt, pair.cert, { mode: 0o644 });
}

/** Every client certificate the apiserver shows others: to kubelets and to extension apiservers. */
export async function ensureApiServerClientPairs(pkiDir: string, pki: ClusterPki): Promise<void> {
  await ensureKubeletClientPair(pkiDir, pki);
  await ensureFrontProxyPairs(pkiDir);
}

export function nodeName(): string {
  return hostname().toLowerCase();
}

export function kubeletRootDir(paths: SkiffPaths): string {
  return join(paths.home, 'kubelet');
}

const pkiFile = (paths: SkiffPaths, f: string) => join(paths.pkiDir, f);
const kubeconfigOf = (paths: SkiffPaths, name: NodeComponentName) => join(paths.kubeconfigDir, `${name}.kubeconfig`);

async function writePair(paths: SkiffPaths, name: string, pair: { cert: string; key: string }): Promise<void> {
  await writeFile(pkiFile(paths, `${name}.key`), pair.key, { mode: 0o600 });
  await writeFile(pkiFile(paths, `${name}.crt`), pair.cert, { mode: 0o644 });
}

/** The apiserver's kubelet-client and front-proxy certificates (before the apiserver starts). */
export async function ensureKubeletClientCert(paths: SkiffPaths, pki: ClusterPki): Promise<void> {
  await ensureApiServerClientPairs(paths.pkiDir, pki);
}

/** Fresh credentials for a node component about to start: kubeconfig, and the kubelet's serving cert. */
export async function writeNodeCredentials(paths: SkiffPaths, pki: ClusterPki, server: string, name: NodeComponentName, addresses: string[]): Promise<void> {
  const node = nodeName();
  const identity = nodeComponentIdentity(name, node);
  const pair = await issueClientCertificate(pki, identity.user, identity.groups);
  await writeKubeconfig(kubeconfigOf(paths, name), { server, caCert: pki.caCert, clientCert: pair.cert, clientKey: pair.key, userName: identity.user });
  if (name === 'kubelet') {
    const serving = await issueCertificate(
      { cert: pki.caCert, key: pki.caKey },
      {
        commonName: node,
        hosts: [node, 'localhost', '127.0.0.1', ...addresses],
        usage: 'server',
        validityDays: 365,
      },
    );
    await writePair(paths, 'kubelet', serving);
  }
}

/**
 * `skiff agent` on this host: the Docker kubelet (node name = hostname), kube-proxy, dns, local-path,
 * the ingress controller and network policy, each with its own kubeconfig; `disable` leaves add-ons out.
 */
export function getAgentRole(paths: SkiffPaths, ports: SkiffPorts, opts: { nodeIp?: string; disable?: OptionalNodeComponent[] } = {}): HostRole {
  const proc = roleProcess(paths, 'agent');
  const node = nodeName();
  const config: RoleConfig = {
    role: 'agent',
    components: [
      {
        name: 'kubelet',
        flags: kubeletFlags({
          kubeconfig: kubeconfigOf(paths, 'kubelet'),
          nodeName: node,
          ...(opts.nodeIp ? { nodeIp: opts.nodeIp } : {}),
          rootDir: kubeletRootDir(paths),
          networkName: POD_NETWORK,
          clusterDns: DNS_ADDRESS,
          port: ports.kubelet,
          healthzPort: ports.kubeletHealthz,
          tlsCertFile: pkiFile(paths, 'kubelet.crt'),
          tlsPrivateKeyFile: pkiFile(paths, 'kubelet.key'),
          clientCaFile: pkiFile(paths, 'ca.crt'),
        }),
      },
      {
        name: 'kube-proxy',
        flags: kubeProxyFlags({
          kubeconfig: kubeconfigOf(paths, 'kube-proxy'),
          nodeName: node,
          clusterCidr: CLUSTER_CIDR,
          metricsPort: ports.kubeProxyMetrics,
        }),
      },
      { name: 'dns', flags: dnsFlags({ kubeconfig: kubeconfigOf(paths, 'dns'), bind: DNS_ADDRESS, metricsPort: ports.dnsMetrics }) },
      {
        name: 'local-path',
        flags: localPathFlags({
          kubeconfig: kubeconfigOf(paths, 'local-path'),
          nodeName: node,
          storageRoot: localPathRoot(paths),
          metricsPort: ports.localPathMetrics,
        }),
      },
      {
        name: 'ingress',
        flags: ingressFlags({
          kubeconfig: kubeconfigOf(paths, 'ingress'),
          nodeName: node,
          metricsPort: ports.ingressMetrics,
          httpPort: ports.ingressHttp,
          httpsPort: ports.ingressHttps,
        }),
      },
      {
        name: 'network-policy',
        flags: networkPolicyFlags({
          kubeconfig: kubeconfigOf(paths, 'network-policy'),
          nodeName: node,
          clusterCidr: CLUSTER_CIDR,
          metricsPort: ports.networkPolicyMetrics,
        }),
      },
    ].filter((c) => !(opts.disable ?? []).includes(c.name as OptionalNodeComponent)) as RoleConfig['components'],
  };
  const healthz = (name: ComponentName, port: number) => memberOf(proc, name, `http://127.0.0.1:${port}/healthz`, () => isHealthzOk(port));
  const healthPorts: Array<[ComponentName, number]> = [
    ['kubelet', ports.kubeletHealthz],
    ['kube-proxy', ports.kubeProxyMetrics],
    ['dns', ports.dnsMetrics],
    ['local-path', ports.localPathMetrics],
    ['ingress', ports.ingressMetrics],
    ['network-policy', ports.networkPolicyMetrics],
  ];
  const members = healthPorts.filter(([name]) => config.components.some((c) => c.name === name)).map(([name, port]) => healthz(name, port));
  return { ...roleSpec(proc, config, roleConfigFile(paths.home, 'agent'), members, { restartOnFailure: true }), members };
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
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {}),
    ),
  );
  const networks = await docker.listNetworks({ filters: JSON.stringify({ name: [POD_NETWORK] }) });
  for (const n of networks.filter((n) => n.Name === POD_NETWORK))
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => {});
  return containers.length;
}

/**
 * What the node programmed into the host's iptables: kube-proxy's SKIFF- chains and pod routes,
 * network policy's SKIFFNP- chains and the kubelet's hostPort SKIFFHP- chains, each removed by
 * its own component's cleanup mode.
 */
export async function cleanupNodeRules(): Promise<void> {
  const cleanups: Array<[ComponentName, string]> = [
    ['kube-proxy', '--cleanup'],
    ['network-policy', '--cleanup'],
    ['kubelet', '--cleanup-hostports'],
  ];
  for (const [name, flag] of cleanups) {
    const { command, args } = componentCommand(name, [flag]);
    await tryCommand(command, args);
  }
}
