import { readFileSync } from 'node:fs';
import {
  formatUsage,
  kubeconfigFlag,
  logLevelFlag,
  matching,
  metricsPortFlag,
  readFlags,
  UsageError,
  type Env,
  type FlagSpec,
  type ValueFormat,
} from '@skiff/log';
import type { UpstreamServer } from './upstream-resolver.ts';

/** The DNS server's configuration, from `--name=value` flags. */
export interface DnsConfig {
  kubeconfig: string;
  bind: string;
  port: number;
  clusterDomain: string;
  /** Empty: read the nameservers of /etc/resolv.conf at start. */
  upstream: UpstreamServer[];
  /** /metrics and /healthz on 127.0.0.1; 0 = off. */
  metricsPort: number;
  cacheSize: number;
  logLevel: string;
}

/** `8.8.8.8`, `127.0.0.1:5353`, `[::1]:53`, `::1` → host and port (53 by default). */
const upstreamServer: ValueFormat<UpstreamServer> = {
  want: 'IP[:port]',
  meta: 'IP[:port]',
  parse: (spec) => {
    const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(spec);
    const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(spec);
    const v6 = /^[0-9a-fA-F:]+$/.test(spec) && spec.includes(':') ? [spec, spec, undefined] : undefined;
    const m = bracketed ?? v4 ?? v6;
    const port = m?.[2] === undefined ? 53 : Number(m[2]);
    return m && port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined;
  },
};

const flags: FlagSpec<DnsConfig>[] = [
  kubeconfigFlag,
  { name: 'bind', type: 'string', key: 'bind', default: '127.0.0.1', meta: 'IP', help: 'address to serve DNS on (UDP and TCP)' },
  { name: 'port', type: 'int', key: 'port', min: 0, max: 65535, default: 53, help: 'port to serve DNS on' },
  {
    name: 'cluster-domain',
    type: 'string',
    key: 'clusterDomain',
    default: 'cluster.local',
    meta: 'DOMAIN',
    help: 'the zone answered from Services',
    format: matching(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'a lower-case domain name'),
  },
  {
    name: 'upstream',
    type: 'list',
    key: 'upstream',
    default: [],
    item: upstreamServer,
    help: 'where other names are forwarded; none: the nameservers of /etc/resolv.conf',
  },
  metricsPortFlag(9153),
  { name: 'cache-size', type: 'int', key: 'cacheSize', min: 0, max: 10_000_000, default: 10_000, help: 'upstream answers cached' },
  logLevelFlag,
];

export const usage = formatUsage('dns', flags);

export class FlagError extends UsageError {
  constructor(message: string) {
    super(message, usage);
  }
}

export function parseDnsFlags(argv: readonly string[], env: Env = process.env): DnsConfig {
  return readFlags(flags, argv, (message) => new FlagError(message), env);
}

export function parseUpstream(spec: string): UpstreamServer {
  const server = upstreamServer.parse(spec);
  if (!server) throw new FlagError(`--upstream: want ${upstreamServer.want}, got "${spec}"`);
  return server;
}

/** The `nameserver` lines of a resolv.conf, in order (where the node's own resolvers are). */
export function parseResolvConf(text: string): UpstreamServer[] {
  const servers: UpstreamServer[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) servers.push({ host: m[1]!.replace(/%.*$/, ''), port: 53 });
  }
  return servers;
}

export function readResolvConf(path = '/etc/resolv.conf'): UpstreamServer[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}
