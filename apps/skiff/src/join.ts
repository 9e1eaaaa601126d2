/**
 * `skiff join https://SERVER:PORT --token ID.SECRET --ca-cert-hash sha256:HEX [--node-name N] [--node-ip IP]`
 * turns this machine into a node, as `kubeadm join` does:
 *
 * 1. Discovery. GET kube-public/cluster-info without credentials (TLS not yet verified: we
 *    do not know the CA). Its kubeconfig must carry a JWS signed with our token's secret —
 *    proof the answer comes from a server that knows the token, so the token itself is never
 *    sent to an unverified server — and its CA must match --ca-cert-hash (the SPKI pin
 *    `skiff token create` prints). From here on every connection verifies that CA.
 * 2. TLS bootstrap. A fresh key and a CSR (CN system:node:<name>, O system:nodes, signer
 *    kubernetes.io/kube-apiserver-client-kubelet), POSTed with the bootstrap token; the
 *    controller-manager approves and signs it; we wait for status.certificate.
 * 3. The node's certificate and key in $SKIFF_HOME/kubelet/pki/kubelet-client-current.pem (where
 *    the kubelet renews it), its kubeconfig ($SKIFF_HOME/kubeconfigs/kubelet.kubeconfig, also used
 *    by kube-proxy and dns) naming that file, and the CA (pki/ca.crt, the kubelet's --client-ca-file).
 * 4. The agent role (kubelet, kube-proxy, dns in one process) from $SKIFF_HOME/roles/agent.json:
 *    skiff-agent.service from deploy/systemd when systemd runs, else a detached process with
 *    run/agent.pid and logs/agent.log, as `skiff up` does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { timingSafeEqual } from 'node:crypto';
import { findResource, type CertificateSigningRequest } from '@skiff/api';
import { RestClient } from '@skiff/client';
import { createCertificateRequest, publicKeyPin, renderKubeconfig } from '@skiff/pki';
import { parse, stringify } from 'yaml';
import { roleProcess } from './components.ts';
import { DNS_ADDRESS, ensureDnsInterface, POD_NETWORK } from './node-components.ts';
import { localPathRoot, REPO_ROOT, resolveSkiffPaths, type SkiffPaths } from './paths.ts';
import { findRunningPid, startDetached } from './processes.ts';
import { dnsFlags, ingressFlags, kubeletFlags, kubeProxyFlags, localPathFlags, networkPolicyFlags } from './roles/component-flags.ts';
import { roleConfigFile, roleSpec, type RoleConfig } from './roles/roles.ts';
import { CLUSTER_INFO, signDetachedJws } from './token.ts';
import { UsageError } from './usage.ts';

const csrResource = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

export type JoinOptions = {
  server: string;
  token: string;
  /** `sha256:<hex>`; without it --discovery-token-unsafe-skip-ca-verification must be given. */
  caCertHash?: string;
  unsafeSkipCaVerification?: boolean;
  nodeName: string;
  timeoutMs?: number;
  log?: (line: string) => void;
};

/** GET over TLS without verifying the server (discovery only; nothing secret is sent). */
function getUnverified(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, timeout: timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new Error(`cannot reach ${url}: ${err.message}`)));
    req.end();
  });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Step 1: the cluster CA, authenticated by the token's JWS and pinned by --ca-cert-hash. */
export async function discoverClusterCa(opts: Pick<JoinOptions, 'server' | 'token' | 'caCertHash' | 'unsafeSkipCaVerification'>): Promise<string> {
  const m = TOKEN.exec(opts.token);
  if (!m) throw new Error('--token: want <6 chars>.<16 chars> of [a-z0-9], as ./skiff token create prints');
  const [, id, secret] = m as unknown as [string, string, string];
  if (!opts.caCertHash && !opts.unsafeSkipCaVerification) {
    throw new Error('--ca-cert-hash is required (./skiff token create prints it); --discovery-token-unsafe-skip-ca-verification skips the pin');
  }
  const url = `${opts.server.replace(/\/+$/, '')}/api/v1/namespaces/${CLUSTER_INFO.namespace}/configmaps/${CLUSTER_INFO.name}`;
  const res = await getUnverified(url, 15_000);
  if (res.status !== 200) throw new Error(`discovery: GET ${url} answered ${res.status}: ${res.body.slice(0, 200)}`);
  const data = (JSON.parse(res.body) as { data?: Record<string, string> }).data ?? {};
  const kubeconfig = data.kubeconfig;
  const jws = data[`jws-kubeconfig-${id}`];
  if (!kubeconfig) throw new Error('discovery: cluster-info has no kubeconfig (was ./skiff token create run on the control plane?)');
  if (!jws) throw new Error(`discovery: cluster-info is not signed for token id ${id} (unknown or deleted token?)`);
  if (!sameText(jws, signDetachedJws(kubeconfig, id, secret)))
    throw new Error('discovery: cluster-info signature does not match the token: wrong token or not our server');
  const doc = parse(kubeconfig) as { clusters?: { cluster?: Record<string, string> }[] };
  const caData = doc.clusters?.[0]?.cluster?.['certificate-authority-data'];
  if (!caData) throw new Error('discovery: cluster-info kubeconfig has no certificate-authority-data');
  const caCert = Buffer.from(caData, 'base64').toString('utf8');
  if (opts.caCertHash) {
    const pin = publicKeyPin(caCert);
    if (pin !== opts.caCertHash.toLowerCase()) throw new Error(`discovery: the cluster CA's hash is ${pin}, not the expected ${opts.caCertHash}`);
  }
  return caCert;
}

/** Step 2: a node client certificate through a CertificateSigningRequest. */
export async function requestNodeCertificate(opts: JoinOptions & { caCert: string }): Promise<{ cert: string; key: string }> {
  const log = opts.log ?? (() => undefined);
  const { csr, key } = await createCertificateRequest({ commonName: `system:node:${opts.nodeName}`, organizations: ['system:nodes'] });
  const client = new RestClient({ server: opts.server, caCert: opts.caCert, token: opts.token, namespace: 'default' });
  try {
    const created = await client.create<CertificateSigningRequest>(csrResource, {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'node-csr-' },
      spec: {
        request: Buffer.from(csr).toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        usages: ['digital signature', 'client auth'],
      },
    });
    const name = created.metadata!.name!;
    log(`certificate signing request ${name} sent; waiting for approval and signing`);
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const current = await client.get<CertificateSigningRequest>(csrResource, undefined, name);
      const cert = current.status?.certificate;
      if (cert) return { cert: Buffer.from(cert, 'base64').toString('utf8'), key };
      const verdict = current.status?.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (verdict) throw new Error(`certificate request ${name} ${verdict.type.toLowerCase()}: ${verdict.message ?? verdict.reason ?? ''}`);
      if (Date.now() > deadline)
        throw new Error(
          `certificate request ${name} not signed in time: is the controller-manager running with --cluster-signing-cert-file? (kubectl get csr)`,
        );
      await sleep(1000);
    }
  } finally {
    client.close();
  }
}

export function nodeKubeconfigPath(paths: SkiffPaths): string {
  return join(paths.kubeconfigDir, 'kubelet.kubeconfig');
}

/** Steps 1–3: discovery, certificate, and the node's kubeconfig + CA on disk. Returns the kubeconfig path. */
export async function bootstrapNode(paths: SkiffPaths, opts: JoinOptions): Promise<string> {
  const log = opts.log ?? (() => undefined);
  const caCert = await discoverClusterCa(opts);
  log(`cluster CA verified (${publicKeyPin(caCert)})`);
  const pair = await requestNodeCertificate({ ...opts, caCert });
  log(`node certificate issued for system:node:${opts.nodeName}`);
  await mkdir(paths.pkiDir, { recursive: true, mode: 0o700 });
  await writeFile(join(paths.pkiDir, 'ca.crt'), caCert, { mode: 0o644 });
  const kubeconfig = nodeKubeconfigPath(paths);
  // As kubeadm: the certificate lives where the kubelet renews it (--rotate-certificates) and the
  // kubeconfig names that file, so every component reading the kubeconfig takes each renewal.
  const current = nodeClientCertificatePath(paths);
  await mkdir(dirname(current), { recursive: true, mode: 0o700 });
  await writeFileAtomic(current, `${pair.cert.trimEnd()}\n${pair.key.trimEnd()}\n`);
  const embedded = renderKubeconfig({ server: opts.server, caCert, clientCert: pair.cert, clientKey: pair.key, userName: `system:node:${opts.nodeName}` });
  await mkdir(dirname(kubeconfig), { recursive: true });
  await writeFileAtomic(kubeconfig, nodeKubeconfigNamingFile(embedded, current));
  return kubeconfig;
}

/** Written whole or not at all, mode 0600 (a private key). */
async function writeFileAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/** The kubelet's root dir on a joined node (the agent role's --root-dir). */
function nodeKubeletRootDir(paths: SkiffPaths): string {
  return join(paths.home, 'kubelet');
}

/** Where the kubelet keeps, and renews, its client certificate and key (one PEM file). */
export function nodeClientCertificatePath(paths: SkiffPaths): string {
  return join(nodeKubeletRootDir(paths), 'pki', 'kubelet-client-current.pem');
}

/** The kubeconfig with its user's embedded certificate and key replaced by `file` (client-certificate and client-key both). */
export function nodeKubeconfigNamingFile(kubeconfigText: string, file: string): string {
  const doc = parse(kubeconfigText) as { users?: { user?: Record<string, unknown> }[] };
  for (const u of doc.users ?? []) {
    if (!u.user) continue;
    delete u.user['client-certificate-data'];
    delete u.user['client-key-data'];
    u.user['client-certificate'] = file;
    u.user['client-key'] = file;
  }
  return stringify(doc);
}

type JoinedNode = { name: string; ip?: string; clusterCidr: string };

/**
 * The joined machine's agent role: kubelet, kube-proxy, dns, local-path, ingress and network policy in
 * one process, all with the node's own kubeconfig from the TLS bootstrap (the one certificate a
 * bootstrap token can get: the default policy binds group system:nodes to system:node-proxier and
 * system:skiff:{dns,local-path,ingress,network-policy} for them). deploy/systemd's skiff-agent.service reads the same file.
 */
export function joinedAgentRole(paths: SkiffPaths, node: JoinedNode): ReturnType<typeof roleSpec> {
  const kubeconfig = nodeKubeconfigPath(paths);
  const config: RoleConfig = {
    role: 'agent',
    components: [
      {
        name: 'kubelet',
        flags: kubeletFlags({
          kubeconfig,
          nodeName: node.name,
          ...(node.ip ? { nodeIp: node.ip } : {}),
          rootDir: nodeKubeletRootDir(paths),
          networkName: POD_NETWORK,
          clusterDns: DNS_ADDRESS,
          clientCaFile: join(paths.pkiDir, 'ca.crt'),
        }),
      },
      { name: 'kube-proxy', flags: kubeProxyFlags({ kubeconfig, nodeName: node.name, clusterCidr: node.clusterCidr }) },
      { name: 'dns', flags: dnsFlags({ kubeconfig, bind: DNS_ADDRESS }) },
      { name: 'local-path', flags: localPathFlags({ kubeconfig, nodeName: node.name, storageRoot: localPathRoot(paths) }) },
      { name: 'ingress', flags: ingressFlags({ kubeconfig, nodeName: node.name }) },
      { name: 'network-policy', flags: networkPolicyFlags({ kubeconfig, nodeName: node.name, clusterCidr: node.clusterCidr }) },
    ],
  };
  const file = roleConfigFile(paths.home, 'agent');
  const proc = roleProcess(paths, 'agent');
  // Started detached, its health is the process itself: the node registering is what join reports.
  return roleSpec(proc, config, file, [], { restartOnFailure: true });
}

function run(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** Renders deploy/systemd/<unit> for this installation (paths, node binary). */
export async function renderUnit(unit: string, values: { root: string; home: string; node: string }): Promise<string> {
  const text = await readFile(join(REPO_ROOT, 'deploy/systemd', unit), 'utf8');
  return text.replaceAll('@SKIFF_ROOT@', values.root).replaceAll('@SKIFF_HOME@', values.home).replaceAll('@NODE@', values.node);
}

async function installAgentUnit(paths: SkiffPaths, log: (l: string) => void): Promise<void> {
  const unit = 'skiff-agent.service';
  await writeFile(join('/etc/systemd/system', unit), await renderUnit(unit, { root: REPO_ROOT, home: paths.home, node: process.execPath }));
  if (!run('systemctl', ['daemon-reload'])) throw new Error('systemctl daemon-reload failed');
  if (!run('systemctl', ['enable', '--now', unit])) throw new Error('systemctl enable --now skiff-agent failed (journalctl -u skiff-agent)');
  log(`${unit} enabled and started (journalctl -u skiff-agent)`);
}

async function startAgentDetached(agent: ReturnType<typeof joinedAgentRole>, log: (l: string) => void): Promise<void> {
  // The node-local DNS address, as `skiff up` sets it up (the systemd unit does it in ExecStartPre).
  await ensureDnsInterface();
  const running = await findRunningPid(agent);
  if (running !== undefined) {
    log(`agent already running (pid ${running})`);
    return;
  }
  const pid = await startDetached(agent.createStartOptions());
  log(`agent started (pid ${pid}, log ${agent.logFile})`);
}

export async function runJoin(args: string[]): Promise<number> {
  let server: string | undefined;
  const flags: Record<string, string> = {};
  const bools = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      if (server) throw new UsageError(`unexpected argument "${arg}"`);
      server = arg;
      continue;
    }
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag === 'bootstrap-only' || flag === 'discovery-token-unsafe-skip-ca-verification') {
      bools.add(flag);
      continue;
    }
    if (!['token', 'ca-cert-hash', 'node-name', 'node-ip', 'cluster-cidr'].includes(flag)) throw new UsageError(`unknown flag: --${flag}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`flag needs an argument: --${flag}`);
    flags[flag] = value;
  }
  if (!server || !flags.token) throw new UsageError(server ? 'missing --token' : 'missing the server address');
  if (!server.startsWith('https://')) server = `https://${server}`;
  const paths = resolveSkiffPaths();
  const nodeName = flags['node-name'] ?? hostname().toLowerCase();
  const log = (line: string) => console.log(`join: ${line}`);
  const kubeconfig = await bootstrapNode(paths, {
    server,
    token: flags.token,
    caCertHash: flags['ca-cert-hash'],
    unsafeSkipCaVerification: bools.has('discovery-token-unsafe-skip-ca-verification'),
    nodeName,
    log,
  });
  log(`wrote ${kubeconfig}`);
  if (bools.has('bootstrap-only')) return 0;
  const agent = joinedAgentRole(paths, { name: nodeName, ip: flags['node-ip'], clusterCidr: flags['cluster-cidr'] ?? '10.244.0.0/16' });
  await agent.writeConfig();
  log(`wrote ${roleConfigFile(paths.home, 'agent')} (kubelet, kube-proxy, dns)`);
  if (existsSync('/run/systemd/system')) await installAgentUnit(paths, log);
  else {
    log('systemd is not running here: starting the agent as a detached process');
    await startAgentDetached(agent, log);
  }
  log(`done: node ${nodeName} registers shortly (on the control plane: ./skiff kubectl get nodes)`);
  return 0;
}
