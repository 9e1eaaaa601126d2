/** kube-proxy's configuration and flags, spelled as kube-proxy spells them. */
import { splitFlags, parseIntegerFlag, parseBooleanFlag } from '@skiff/log';

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

export const usage = `usage: kube-proxy --kubeconfig=PATH --node-name=NAME [--cluster-cidr=10.244.0.0/16]
  [--min-sync-period-ms=1000] [--metrics-port=10249] [--nodeport-addresses=CIDR,...]
  [--allow-external-ips=false] [--pod-routes=true] [--ip-netns=NS] [--cleanup] [--log-level=info]`;

export class FlagError extends Error {
  constructor(message: string) {
    super(`${message}\n${usage}`);
    this.name = 'FlagError';
  }
}

const fail = (message: string): Error => new FlagError(message);
const parseInteger = (flag: string, value: string, min: number, max?: number): number => parseIntegerFlag(flag, value, fail, min, max);
const parseBoolean = (flag: string, value: string): boolean => parseBooleanFlag(flag, value, fail);

function parseCIDR(flag: string, value: string): string {
  if (!/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(value)) throw new FlagError(`--${flag}: want an IPv4 CIDR, got "${value}"`);
  return value;
}

/** `--name=value` flags (a bare boolean flag means true). */
export function parseProxyFlags(argv: readonly string[]): ProxyConfig {
  const config: ProxyConfig = {
    kubeconfig: '',
    nodeName: '',
    minSyncPeriodMs: 1000,
    metricsPort: 10249,
    cleanup: false,
    nodePortAddresses: [],
    allowExternalIPs: false,
    podRoutes: true,
    logLevel: 'info',
  };
  for (const [flag, value] of splitFlags(argv, fail)) {
    switch (flag) {
      case 'kubeconfig':
        config.kubeconfig = value;
        break;
      case 'node-name':
        config.nodeName = value;
        break;
      case 'cluster-cidr':
        config.clusterCIDR = parseCIDR(flag, value);
        break;
      case 'min-sync-period-ms':
        config.minSyncPeriodMs = parseInteger(flag, value, 0);
        break;
      case 'metrics-port':
        config.metricsPort = parseInteger(flag, value, 0);
        break;
      case 'cleanup':
        config.cleanup = parseBoolean(flag, value);
        break;
      case 'ip-netns':
        config.ipNetns = value || undefined;
        break;
      case 'nodeport-addresses':
        config.nodePortAddresses = value ? value.split(',').map((c) => parseCIDR(flag, c.trim())) : [];
        break;
      case 'allow-external-ips':
        config.allowExternalIPs = parseBoolean(flag, value);
        break;
      case 'pod-routes':
        config.podRoutes = parseBoolean(flag, value);
        break;
      case 'log-level':
        config.logLevel = value;
        break;
      default:
        throw new FlagError(`unknown flag --${flag}`);
    }
  }
  if (!config.cleanup && !config.kubeconfig) throw new FlagError('--kubeconfig is required');
  if (!config.cleanup && !config.nodeName) throw new FlagError('--node-name is required');
  return config;
}
