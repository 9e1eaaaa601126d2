import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { ensureClusterPki, ensureEtcdPki, issueClientCertificate, writeKubeconfig, type ClusterPki } from '@skiff/pki';
import {
  getApiServerUrl,
  getClientIdentity,
  getComponentKubeconfig,
  getEtcdComponent,
  getHollowKubelet,
  getServerRole,
  type ClientComponentName,
  type ComponentSpec,
} from './components.ts';
import Docker from 'dockerode';
import { createLogger } from '@skiff/log';
import { upgradeEtcdPeerUrl } from './etcd-backup.ts';
import { ensureNodeImages } from './images/web-image.ts';
import {
  DNS_ADDRESS,
  ensureDnsInterface,
  ensureKubeletClientCert,
  getAgentRole,
  nodeName,
  NODE_COMPONENT_NAMES,
  OPTIONAL_NODE_COMPONENTS,
  writeNodeCredentials,
  type OptionalNodeComponent,
} from './node-components.ts';
import { resolveSkiffPaths, resolveSkiffPorts, type SkiffPaths, type SkiffPorts } from './paths.ts';
import { ensureComponentRunning, findRunningPid } from './processes.ts';
import { UsageError } from './usage.ts';

const ETCD_START_TIMEOUT_MS = 30_000;
const APISERVER_START_TIMEOUT_MS = 60_000;
const HOLLOW_START_TIMEOUT_MS = 30_000;
const NODE_START_TIMEOUT_MS = 120_000;
const MAX_HOLLOW_NODES = 10_000;

export type UpOptions = {
  hollowNodes: number;
  /** Without the Docker kubelet, kube-proxy and dns (control plane only). */
  noNode: boolean;
  /** Node add-ons left out (`--disable ingress`, as k3s' `--disable traefik`). */
  disable: OptionalNodeComponent[];
};

/** `--disable ingress,network-policy` (or the flag given twice). */
function parseDisable(value: string | undefined): OptionalNodeComponent[] {
  const names = (value ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const bad = names.find((n) => !(OPTIONAL_NODE_COMPONENTS as string[]).includes(n));
  if (names.length === 0 || bad !== undefined) {
    throw new UsageError(`--disable wants ${OPTIONAL_NODE_COMPONENTS.join(' or ')} (comma-separated), got "${bad ?? value ?? ''}"`);
  }
  return names as OptionalNodeComponent[];
}

/** `up [--hollow-nodes N] [--no-node] [--disable ADDONS]`; throws a usage message on anything else. */
export function parseUpArgs(args: string[]): UpOptions {
  const opts: UpOptions = { hollowNodes: 0, noNode: false, disable: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let value: string | undefined;
    if (arg === '--no-node') {
      opts.noNode = true;
      continue;
    }
    if (arg === '--disable' || arg.startsWith('--disable=')) {
      const names = parseDisable(arg === '--disable' ? args[++i] : arg.slice('--disable='.length));
      opts.disable = [...new Set([...opts.disable, ...names])];
      continue;
    }
    if (arg === '--hollow-nodes') value = args[++i];
    else if (arg.startsWith('--hollow-nodes=')) value = arg.slice('--hollow-nodes='.length);
    else throw new UsageError(arg.startsWith('-') ? `unknown flag: ${arg}` : `unexpected argument "${arg}"`);
    if (value === undefined || !/^\d+$/.test(value) || Number(value) > MAX_HOLLOW_NODES) {
      throw new UsageError(`--hollow-nodes wants a number from 0 to ${MAX_HOLLOW_NODES}, got "${value ?? ''}"`);
    }
    opts.hollowNodes = Number(value);
  }
  return opts;
}

const progress = (message: string): void => console.log(`==> ${message}`);

/** This host's non-loopback IPv4 addresses, in interface order: the apiserver is reachable on each. */
export function listHostAddresses(): string[] {
  const addresses: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) addresses.push(entry.address);
    }
  }
  return addresses;
}

/** Starts `component` unless it already runs (waiting out one that is shutting down); returns once it is healthy. */
async function ensureRunning(component: ComponentSpec, timeoutMs: number, prepare?: () => Promise<void>): Promise<void> {
  await ensureComponentRunning(component, { timeoutMs, prepare, progress });
}

/**
 * A fresh client certificate and kubeconfig for a component about to start (so it always matches the
 * current CA); a running component keeps the one it has.
 */
async function writeComponentKubeconfig(paths: SkiffPaths, pki: ClusterPki, server: string, name: ClientComponentName): Promise<void> {
  const { user, groups } = getClientIdentity(name);
  const pair = await issueClientCertificate(pki, user, groups);
  await mkdir(paths.kubeconfigDir, { recursive: true, mode: 0o700 });
  await writeKubeconfig(getComponentKubeconfig(paths, name), { server, caCert: pki.caCert, clientCert: pair.cert, clientKey: pair.key, userName: user });
}

/** The --hollow-nodes=N a running hollow kubelet was started with, if it runs. */
function readHollowNodeCount(pid: number): number | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const flag = args.find((a) => a.startsWith('--hollow-nodes='));
    return flag ? Number(flag.slice('--hollow-nodes='.length)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The node: pod images (pause, busybox, the example's web:v1/v2), the DNS address, then the agent
 * (the Docker kubelet, kube-proxy and dns in one process). Root only (iptables, interfaces); false when skipped.
 */
async function startNodeComponents(
  paths: SkiffPaths,
  ports: SkiffPorts,
  pki: ClusterPki,
  server: string,
  addresses: string[],
  disable: OptionalNodeComponent[],
): Promise<boolean> {
  if (process.getuid?.() !== 0) {
    progress('node: kubelet, kube-proxy and dns need root (iptables, interfaces); skipped (sudo ./skiff up)');
    return false;
  }
  progress('images: pause, busybox, skiff/web:v1, skiff/web:v2');
  await ensureNodeImages(new Docker(), createLogger('skiff-up', 'warn'));
  progress(`dns address: ${DNS_ADDRESS} on ${await ensureDnsInterface()}`);
  const agent = getAgentRole(paths, ports, { nodeIp: addresses[0], disable });
  await ensureRunning(agent, NODE_START_TIMEOUT_MS, async () => {
    for (const name of NODE_COMPONENT_NAMES) await writeNodeCredentials(paths, pki, server, name, addresses);
    await agent.writeConfig();
  });
  return true;
}

/** What to try first: the example app through the built-in ingress on :80, or its NodePort without one. */
function exampleHint(address: string, ingress: boolean): string {
  return ingress
    ? `
Deploy the example (3 replicas of a small web server) and reach it through the built-in ingress on :80:
  ./skiff kubectl apply -f deploy/examples/web.yaml -f deploy/examples/ingress.yaml
  ./skiff kubectl get pods,ingress -o wide
  curl http://${address}/
`
    : `
Deploy the example (3 replicas of a small web server behind a NodePort Service):
  ./skiff kubectl apply -f deploy/examples/web.yaml
  ./skiff kubectl get pods -o wide
  curl http://${address}:30080/
`;
}

/**
 * `skiff up [--hollow-nodes N]`: etcd, the server role (apiserver, controller-manager, scheduler in
 * one process), an admin kubeconfig, the agent role (this machine as a node) unless --no-node, and
 * optionally N hollow nodes in one kubelet process.
 */
export async function runUp(args: string[]): Promise<number> {
  const opts = parseUpArgs(args);
  const paths = resolveSkiffPaths();
  const ports = resolveSkiffPorts();
  await mkdir(paths.home, { recursive: true, mode: 0o700 });

  const addresses = listHostAddresses();
  const hosts = ['localhost', '127.0.0.1', hostname(), ...addresses];
  progress(`pki: ${paths.pkiDir} (apiserver certificate for ${hosts.join(', ')})`);
  const pki = await ensureClusterPki(paths.pkiDir, { apiServerHosts: hosts });
  // etcd's own CA (pki/etcd): only the apiserver and the operator's tools hold its client certificates.
  await ensureEtcdPki(paths.pkiDir, { hosts });

  await ensureRunning(getEtcdComponent(paths, ports), ETCD_START_TIMEOUT_MS);
  await upgradeEtcdPeerUrl(paths, ports, progress);
  await ensureKubeletClientCert(paths, pki);
  const server = getApiServerUrl(ports);
  await writeKubeconfig(paths.kubeconfig, {
    server,
    caCert: pki.caCert,
    clientCert: pki.adminCert,
    clientKey: pki.adminKey,
  });
  const serverRole = getServerRole(paths, ports, { caCert: () => readFile(join(paths.pkiDir, 'ca.crt'), 'utf8'), advertiseAddress: addresses[0] });
  await ensureRunning(serverRole, APISERVER_START_TIMEOUT_MS, async () => {
    for (const name of ['controller-manager', 'scheduler'] as const) await writeComponentKubeconfig(paths, pki, server, name);
    await serverRole.writeConfig();
  });

  const hollow = getHollowKubelet(paths, ports);
  const running = await findRunningPid(hollow);
  if (running !== undefined || opts.hollowNodes > 0) {
    const count = running === undefined ? undefined : readHollowNodeCount(running);
    if (count !== undefined && opts.hollowNodes > 0 && count !== opts.hollowNodes) {
      progress(`kubelet-hollow: already running with ${count} hollow nodes; './skiff down' first to change that`);
    }
    // Should the running one be shutting down, its successor keeps its node count unless told otherwise.
    const hollowNodes = opts.hollowNodes || (count ?? 0);
    await ensureRunning(getHollowKubelet(paths, ports, hollowNodes), HOLLOW_START_TIMEOUT_MS, () =>
      writeComponentKubeconfig(paths, pki, server, 'kubelet-hollow'),
    );
  }

  const withNode = !opts.noNode && (await startNodeComponents(paths, ports, pki, server, addresses, opts.disable));

  console.log(`
Skiff is up: server (apiserver ${server}, controller-manager, scheduler), etcd ${paths.etcdDataDir}${withNode ? `, agent for node ${nodeName()} (kubelet on Docker, kube-proxy, dns ${DNS_ADDRESS}, local-path${opts.disable.includes('ingress') ? '' : `, ingress :${ports.ingressHttp}/:${ports.ingressHttps}`}${opts.disable.includes('network-policy') ? '' : ', network policy'})` : ''}${opts.hollowNodes ? `, ${opts.hollowNodes} hollow nodes` : ''}.
Kubeconfig (admin): ${paths.kubeconfig}

Next:
  export KUBECONFIG=${paths.kubeconfig}
  kubectl get ns
or add the context "skiff" to ~/.kube/config (as kind does):
  ${process.getuid?.() === 0 && process.env.SUDO_USER ? 'sudo ' : ''}./skiff kubeconfig --merge
or, without touching your environment:
  ./skiff kubectl get ns
  ./skiff status            (components and nodes)
${withNode ? exampleHint(addresses[0] ?? '127.0.0.1', !opts.disable.includes('ingress')) : ''}
Logs: ${paths.logDir}/{etcd,server,agent}.log   Stop: ./skiff down`);
  return 0;
}
