/**
 * The kubelet's flags (see `usage` below and docs/architecture.md). Two modes: `--hollow-nodes=N`
 * runs N fake-runtime nodes in one process (kubemark style); without it the process is one
 * real node on Docker (`--node-name` required).
 */
import { flagDefaults, formatUsage, ipv4Cidr, kubeconfigFlag, logLevelFlag, metricsPortFlag, readFlags, UsageError, type Env, type FlagSpec } from '@skiff/log';

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
  /** Without tlsCertFile: the serving certificate from the certificates API (kubernetes.io/kubelet-serving), renewed. */
  rotateServerCertificates: boolean;
  rotateCertificates: boolean;
  tlsPrivateKeyFile: string;
  clientCaFile: string;
  authorizationMode: 'Webhook' | 'AlwaysAllow';
  healthzPort: number;
  maxPods: number;
  systemReserved: Record<string, string>;
  allowPrivileged: boolean;
  nodeStatusUpdateFrequencyMs: number;
  maxDeadContainersPerPod: number;
  maxDeadContainers: number;
  imageGc: boolean;
  cleanupHostports: boolean;
}

const int = (min: number) => ({ type: 'int', min }) as const;
const port = { type: 'int', min: 0, max: 65535, meta: 'PORT' } as const;
const file = { type: 'string', default: '', meta: 'FILE' } as const;

const flags: FlagSpec<KubeletConfig>[] = [
  // --cleanup-hostports talks to no apiserver.
  { ...kubeconfigFlag, required: (config) => !config.cleanupHostports },
  logLevelFlag,
  { name: 'heartbeat-interval-ms', ...int(100), key: 'heartbeatIntervalMs', default: 10_000, help: 'Lease renewal period' },
  { name: 'node-labels', type: 'map', key: 'nodeLabels', default: {}, help: 'labels the Node registers with' },
  // Hollow mode.
  { name: 'hollow-nodes', ...int(1), key: 'hollowNodes', default: 0, help: 'run this many fake-runtime nodes in this process instead of one Docker node' },
  { name: 'node-name-prefix', type: 'string', key: 'nodeNamePrefix', default: 'hollow-node-', help: 'hollow nodes are named PREFIX0, PREFIX1, ...' },
  { name: 'first-index', ...int(0), key: 'firstIndex', default: 0, help: 'number of the first hollow node' },
  { name: 'node-cpu', type: 'string', key: 'nodeCpu', default: '4', meta: 'QUANTITY', help: "each hollow node's CPU capacity" },
  { name: 'node-memory', type: 'string', key: 'nodeMemory', default: '16Gi', meta: 'QUANTITY', help: "each hollow node's memory capacity" },
  { name: 'node-max-pods', ...int(1), key: 'nodeMaxPods', default: 110, help: "each hollow node's pod capacity" },
  metricsPortFlag(0),
  // Docker mode.
  { name: 'node-name', type: 'string', key: 'nodeName', default: '', meta: 'NAME', help: "this node's Node name (required without --hollow-nodes)" },
  {
    name: 'docker-host',
    type: 'string',
    key: 'dockerHost',
    default: 'unix:///var/run/docker.sock',
    env: 'DOCKER_HOST',
    meta: 'URL',
    help: 'the Docker daemon',
  },
  { name: 'node-ip', type: 'string', key: 'nodeIp', default: '', meta: 'IP', help: "the Node's InternalIP; none: detected" },
  { name: 'root-dir', type: 'string', key: 'rootDir', default: '/var/lib/skiff/kubelet', meta: 'PATH', help: 'volumes, logs and state' },
  { name: 'network-name', type: 'string', key: 'networkName', default: 'skiff0', meta: 'NAME', help: 'Docker network pods join' },
  {
    name: 'pod-cidr',
    type: 'string',
    key: 'podCidr',
    default: '',
    format: ipv4Cidr,
    help: "this node's pod range, given to a Node that has none; none: the Node's spec.podCIDR",
  },
  { name: 'cluster-dns', type: 'list', key: 'clusterDns', default: ['169.254.20.10'], meta: 'IP,...', help: "nameservers written into pods' resolv.conf" },
  { name: 'cluster-domain', type: 'string', key: 'clusterDomain', default: 'cluster.local', meta: 'DOMAIN', help: "search domain of pods' resolv.conf" },
  { name: 'port', ...port, key: 'port', default: 10250, help: 'HTTPS port of the logs, exec and stats server' },
  { name: 'address', type: 'string', key: 'address', default: '0.0.0.0', meta: 'IP', help: 'address that server listens on' },
  { name: 'tls-cert-file', ...file, key: 'tlsCertFile', help: 'its serving certificate; none: one made at start' },
  {
    name: 'rotate-server-certificates',
    type: 'bool',
    key: 'rotateServerCertificates',
    default: true,
    help: 'without --tls-cert-file: ask the certificates API (kubernetes.io/kubelet-serving) for the serving certificate and renew it',
  },
  {
    name: 'rotate-certificates',
    type: 'bool',
    key: 'rotateCertificates',
    default: true,
    help: "renew the kubeconfig's client certificate through the certificates API (kubernetes.io/kube-apiserver-client-kubelet) before it expires, kept as <root-dir>/pki/kubelet-client-current.pem",
  },
  { name: 'tls-private-key-file', ...file, key: 'tlsPrivateKeyFile', help: "the certificate's private key" },
  { name: 'client-ca-file', ...file, key: 'clientCaFile', help: 'CA of the client certificates that server accepts' },
  {
    name: 'authorization-mode',
    type: 'enum',
    key: 'authorizationMode',
    values: ['Webhook', 'AlwaysAllow'],
    default: 'Webhook',
    meta: 'MODE',
    help: 'Webhook: the apiserver decides each caller (SubjectAccessReview); AlwaysAllow: any authenticated caller',
  },
  { name: 'healthz-port', ...port, key: 'healthzPort', default: 10248, help: '/healthz on 127.0.0.1; 0 turns it off' },
  { name: 'max-pods', ...int(1), key: 'maxPods', default: 110, help: "the Node's pod capacity" },
  {
    name: 'system-reserved',
    type: 'map',
    key: 'systemReserved',
    default: { cpu: '100m', memory: '256Mi' },
    meta: 'RESOURCE=QUANTITY,...',
    help: 'kept back from pods for the system',
  },
  { name: 'allow-privileged', type: 'bool', key: 'allowPrivileged', default: false, help: 'run privileged containers' },
  { name: 'node-status-update-frequency-ms', ...int(100), key: 'nodeStatusUpdateFrequencyMs', default: 10_000, help: 'Node status update period' },
  { name: 'max-dead-containers-per-pod', ...int(0), key: 'maxDeadContainersPerPod', default: 1, help: 'exited containers kept per pod' },
  { name: 'max-dead-containers', ...int(0), key: 'maxDeadContainers', default: 100, help: 'exited containers kept on the node' },
  { name: 'image-gc', type: 'bool', key: 'imageGc', default: false, help: 'remove unused images when the disk fills' },
  {
    name: 'cleanup-hostports',
    type: 'bool',
    key: 'cleanupHostports',
    default: false,
    help: 'remove every hostPort rule (SKIFFHP- chains and their jumps) from this node and exit',
  },
];

export const usage = formatUsage('kubelet', flags, [
  '--kubeconfig=PATH --node-name=NAME [flags]',
  '--kubeconfig=PATH --hollow-nodes=N [flags]   (hollow nodes, kubemark style)',
  '--cleanup-hostports                          (remove the hostPort rules and exit)',
]);

export class FlagError extends UsageError {
  constructor(message: string) {
    super(message, usage);
  }
}

const fail = (message: string): Error => new FlagError(message);

export function defaultKubeletConfig(env: Env = process.env): KubeletConfig {
  return flagDefaults(flags, fail, env) as KubeletConfig;
}

export function parseKubeletFlags(argv: readonly string[], env: Env = process.env): KubeletConfig {
  const config = readFlags(flags, argv, fail, env);
  if (config.cleanupHostports) return config;
  if (!config.hollowNodes && !config.nodeName) throw fail('--node-name is required (or --hollow-nodes=N)');
  if (config.hollowNodes && config.nodeName) throw fail('--hollow-nodes and --node-name are mutually exclusive');
  return config;
}
