/** kube-proxy's configuration and flags, spelled as kube-proxy spells them. */
import {
  formatUsage,
  ipv4Cidr,
  kubeconfigFlag,
  logLevelFlag,
  metricsPortFlag,
  readFlags,
  UsageError,
  type Env,
  type FlagSpec,
  type ValueFormat,
} from '@skiff/log';

/** `--nodeport-addresses` takes CIDRs, or `primary` for the Node's InternalIP (kube-proxy ≥ 1.29). */
const nodePortAddress: ValueFormat<string> = {
  want: "an IPv4 CIDR like 192.168.1.0/24, or 'primary'",
  meta: 'CIDR|primary',
  parse: (value) => (value === 'primary' ? value : ipv4Cidr.parse(value)),
};

export interface ProxyConfig {
  kubeconfig: string;
  nodeName: string;
  clusterCIDR?: string;
  /** At most one sync per this period; changes in between are coalesced. */
  minSyncPeriodMs: number;
  /** Port for /metrics and /healthz on 127.0.0.1; 0 = off. */
  metricsPort: number;
  /** Remove every SKIFF- chain and jump, then exit. */
  cleanup: boolean;
  /** Run iptables inside this network namespace (labs and tests). */
  ipNetns?: string;
  nodePortAddresses: string[];
  allowExternalIPs: boolean;
  /** host-gw: route every other node's pod CIDR via its InternalIP (routes/host-gw.ts). */
  podRoutes: boolean;
  logLevel: string;
}

/** `--cleanup` needs nothing else. */
const unlessCleanup = (config: Partial<ProxyConfig>): boolean => !config.cleanup;

const flags: FlagSpec<ProxyConfig>[] = [
  { ...kubeconfigFlag, required: unlessCleanup },
  { name: 'node-name', type: 'string', key: 'nodeName', default: '', required: unlessCleanup, meta: 'NAME', help: "this node's Node name" },
  {
    name: 'cluster-cidr',
    type: 'string',
    key: 'clusterCIDR',
    format: ipv4Cidr,
    help: "the pods' range: traffic to a Service from outside it is masqueraded",
  },
  {
    name: 'min-sync-period-ms',
    type: 'int',
    key: 'minSyncPeriodMs',
    min: 0,
    default: 1000,
    help: 'at most one rules sync per this period; changes in between are coalesced',
  },
  metricsPortFlag(10249),
  {
    name: 'nodeport-addresses',
    type: 'list',
    key: 'nodePortAddresses',
    default: [],
    item: nodePortAddress,
    help: "NodePorts answer on this node's addresses in these ranges, or only its InternalIP with 'primary'; none: every address but loopback",
  },
  { name: 'allow-external-ips', type: 'bool', key: 'allowExternalIPs', default: false, help: "route Services' spec.externalIPs" },
  { name: 'pod-routes', type: 'bool', key: 'podRoutes', default: true, help: "host-gw: route every other node's pod CIDR via its InternalIP" },
  { name: 'ip-netns', type: 'string', key: 'ipNetns', meta: 'NS', help: 'run iptables and ip inside this network namespace (labs and tests)' },
  { name: 'cleanup', type: 'bool', key: 'cleanup', default: false, help: 'remove every SKIFF- chain, jump and pod route, then exit' },
  logLevelFlag,
];

export const usage = formatUsage('kube-proxy', flags);

export class FlagError extends UsageError {
  constructor(message: string) {
    super(message, usage);
  }
}

export function parseProxyFlags(argv: readonly string[], env: Env = process.env): ProxyConfig {
  return readFlags(flags, argv, (message) => new FlagError(message), env);
}
