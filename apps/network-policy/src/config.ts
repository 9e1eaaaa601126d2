/** The network-policy agent's configuration and flags. */
import { formatUsage, ipv4Cidr, kubeconfigFlag, logLevelFlag, metricsPortFlag, readFlags, UsageError, type Env, type FlagSpec } from '@skiff/log';

export interface NetworkPolicyConfig {
  kubeconfig: string;
  /** This node's Node name: it filters traffic of the pods bound here. */
  nodeName: string;
  /** The pods' range (the cluster CIDR). */
  clusterCIDR?: string;
  /** At most one rules sync per this period; changes in between are coalesced. */
  minSyncPeriodMs: number;
  /** /metrics and /healthz on 127.0.0.1; 0 = off. */
  metricsPort: number;
  /** Run iptables inside this network namespace (tests). */
  ipNetns?: string;
  /** Remove every chain and jump of ours, then exit. */
  cleanup: boolean;
  logLevel: string;
}

/** `--cleanup` needs nothing else. */
const unlessCleanup = (config: Partial<NetworkPolicyConfig>): boolean => !config.cleanup;

const flags: FlagSpec<NetworkPolicyConfig>[] = [
  { ...kubeconfigFlag, required: unlessCleanup },
  { name: 'node-name', type: 'string', key: 'nodeName', default: '', required: unlessCleanup, meta: 'NAME', help: "this node's Node name" },
  { name: 'cluster-cidr', type: 'string', key: 'clusterCIDR', format: ipv4Cidr, help: "the pods' range" },
  {
    name: 'min-sync-period-ms',
    type: 'int',
    key: 'minSyncPeriodMs',
    min: 0,
    default: 500,
    help: 'at most one rules sync per this period; changes in between are coalesced',
  },
  metricsPortFlag(10263),
  { name: 'ip-netns', type: 'string', key: 'ipNetns', meta: 'NS', help: 'run iptables inside this network namespace (tests)' },
  { name: 'cleanup', type: 'bool', key: 'cleanup', default: false, help: 'remove every chain and jump of ours, then exit' },
  logLevelFlag,
];

export const usage = formatUsage('network-policy', flags);

export class FlagError extends UsageError {
  constructor(message: string) {
    super(message, usage);
  }
}

export function parseNetworkPolicyFlags(argv: readonly string[], env: Env = process.env): NetworkPolicyConfig {
  return readFlags(flags, argv, (message) => new FlagError(message), env);
}
