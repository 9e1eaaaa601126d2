/**
 * The kubelet's flags (see `usage` below and docs/architecture.md). Two modes: `--hollow-nodes=N`
 * runs N fake-runtime nodes in one process (kubemark style); without it the process is one
 * real node on Docker (`--node-name` required).
 */
import { parseBooleanFlag, parseIntegerFlag, splitFlags } from '@skiff/log';

export interface KubeletConfig {
  kubeconfig: string;
  logLevel: string;
  heartbeatIntervalMs: number;
  nodeLabels: Record<string, string>;
  // Hollow mode.
  hollowNodes: number;
  nodeNamePrefix: string;
  firstIndex: number;
  nodeCpu: string;
  nodeMemory: string;
  nodeMaxPods: number;
  metricsPort: number;
  // Docker mode.
  nodeName: string;
  dockerHost: string;
  nodeIp: string;
  rootDir: string;
  networkName: string;
  podCidr: string;
  clusterDns: string[];
  clusterDomain: string;
  port: number;
  address: string;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  clientCaFile: string;
  healthzPort: number;
  maxPods: number;
  systemReserved: Record<string, string>;
  allowPrivileged: boolean;
  nodeStatusUpdateFrequencyMs: number;
  maxDeadContainersPerPod: number;
  maxDeadContainers: number;
  imageGc: boolean;
}

export const usage = `usage: kubelet --kubeconfig=PATH --node-name=NAME [--docker-host=unix:///var/run/docker.sock] [--node-ip=IP]
  [--root-dir=/var/lib/skiff/kubelet] [--network-name=skiff0] [--pod-cidr=CIDR] [--cluster-dns=IP[,IP]]
  [--cluster-domain=cluster.local] [--port=10250] [--address=0.0.0.0] [--tls-cert-file=] [--tls-private-key-file=]
  [--client-ca-file=] [--healthz-port=10248] [--node-labels=k=v,...] [--max-pods=110]
  [--system-reserved=cpu=100m,memory=256Mi] [--allow-privileged=false] [--heartbeat-interval-ms=10000]
  [--node-status-update-frequency-ms=10000] [--max-dead-containers-per-pod=1] [--max-dead-containers=100]
  [--image-gc=false] [--log-level=info]
or (hollow nodes): kubelet --kubeconfig=PATH --hollow-nodes=N [--node-name-prefix=hollow-node-] [--first-index=0]
  [--node-cpu=4] [--node-memory=16Gi] [--node-max-pods=110] [--node-labels=k=v,...] [--metrics-port=0]
  [--heartbeat-interval-ms=10000] [--log-level=info]`;

export class FlagError extends Error {
  constructor(message: string) {
    super(`${message}\n${usage}`);
    this.name = 'FlagError';
  }
}

const fail = (message: string) => new FlagError(message);

function parseKeyValues(flag: string, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw fail(`--${flag}: want k=v pairs, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

function parseCidr(flag: string, value: string): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(value)) throw fail(`--${flag}: want an IPv4 CIDR, got "${value}"`);
  return value;
}

type Setter = (c: KubeletConfig, v: string, f: string) => void;
const int = (min: number) => (f: string, v: string) => parseIntegerFlag(f, v, fail, min);
const flags: Record<string, Setter> = {
  kubeconfig: (c, v) => { c.kubeconfig = v; },
  'log-level': (c, v) => { c.logLevel = v; },
  'heartbeat-interval-ms': (c, v, f) => { c.heartbeatIntervalMs = int(100)(f, v); },
  'node-labels': (c, v, f) => { c.nodeLabels = parseKeyValues(f, v); },
  'hollow-nodes': (c, v, f) => { c.hollowNodes = int(1)(f, v); },
  'node-name-prefix': (c, v) => { c.nodeNamePrefix = v; },
  'first-index': (c, v, f) => { c.firstIndex = int(0)(f, v); },
  'node-cpu': (c, v) => { c.nodeCpu = v; },
  'node-memory': (c, v) => { c.nodeMemory = v; },
  'node-max-pods': (c, v, f) => { c.nodeMaxPods = int(1)(f, v); },
  'metrics-port': (c, v, f) => { c.metricsPort = int(0)(f, v); },
  'node-name': (c, v) => { c.nodeName = v; },
  'docker-host': (c, v) => { c.dockerHost = v; },
  'node-ip': (c, v) => { c.nodeIp = v; },
  'root-dir': (c, v) => { c.rootDir = v; },
  'network-name': (c, v) => { c.networkName = v; },
  'pod-cidr': (c, v, f) => { c.podCidr = v ? parseCidr(f, v) : ''; },
  'cluster-dns': (c, v) => { c.clusterDns = v.split(',').map((s) => s.trim()).filter(Boolean); },
  'cluster-domain': (c, v) => { c.clusterDomain = v; },
  port: (c, v, f) => { c.port = int(0)(f, v); },
  address: (c, v) => { c.address = v; },
  'tls-cert-file': (c, v) => { c.tlsCertFile = v; },
  'tls-private-key-file': (c, v) => { c.tlsPrivateKeyFile = v; },
  'client-ca-file': (c, v) => { c.clientCaFile = v; },
  'healthz-port': (c, v, f) => { c.healthzPort = int(0)(f, v); },
  'max-pods': (c, v, f) => { c.maxPods = int(1)(f, v); },
  'system-reserved': (c, v, f) => { c.systemReserved = parseKeyValues(f, v); },
  'allow-privileged': (c, v, f) => { c.allowPrivileged = parseBooleanFlag(f, v, fail); },
  'node-status-update-frequency-ms': (c, v, f) => { c.nodeStatusUpdateFrequencyMs = int(100)(f, v); },
  'max-dead-containers-per-pod': (c, v, f) => { c.maxDeadContainersPerPod = int(0)(f, v); },
  'max-dead-containers': (c, v, f) => { c.maxDeadContainers = int(0)(f, v); },
  'image-gc': (c, v, f) => { c.imageGc = parseBooleanFlag(f, v, fail); },
};

export function defaultKubeletConfig(): KubeletConfig {
  return {
    kubeconfig: '', logLevel: process.env.SKIFF_LOG_LEVEL ?? 'info', heartbeatIntervalMs: 10_000, nodeLabels: {},
    hollowNodes: 0, nodeNamePrefix: 'hollow-node-', firstIndex: 0, nodeCpu: '4', nodeMemory: '16Gi', nodeMaxPods: 110, metricsPort: 0,
    nodeName: '', dockerHost: process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock', nodeIp: '', rootDir: '/var/lib/skiff/kubelet',
    networkName: 'skiff0', podCidr: '', clusterDns: ['169.254.20.10'], clusterDomain: 'cluster.local',
    port: 10250, address: '0.0.0.0', tlsCertFile: '', tlsPrivateKeyFile: '', clientCaFile: '', healthzPort: 10248,
    maxPods: 110, systemReserved: { cpu: '100m', memory: '256Mi' }, allowPrivileged: false,
    nodeStatusUpdateFrequencyMs: 10_000, maxDeadContainersPerPod: 1, maxDeadContainers: 100, imageGc: false,
  };
}

export function parseKubeletFlags(argv: string[]): KubeletConfig {
  const cfg = defaultKubeletConfig();
  for (const [name, value] of splitFlags(argv, fail)) {
    const setter = flags[name];
    if (!setter) throw fail(`unknown flag: --${name}`);
    setter(cfg, value, name);
  }
  if (!cfg.kubeconfig) throw fail('missing required flag: --kubeconfig');
  if (!cfg.hollowNodes && !cfg.nodeName) throw fail('missing required flag: --node-name (or --hollow-nodes=N)');
  if (cfg.hollowNodes && cfg.nodeName) throw fail('--hollow-nodes and --node-name are mutually exclusive');
  return cfg;
}
