import { readFileSync } from 'node:fs';
import { splitFlags, parseIntegerFlag } from '@skiff/log';
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

export const usage = `usage: dns --kubeconfig=PATH [--bind=127.0.0.1] [--port=53] [--cluster-domain=cluster.local]
  [--upstream=IP[:port],...] [--metrics-port=9153] [--cache-size=10000] [--log-level=info]`;

export class FlagError extends Error {
  constructor(message: string) {
    super(`${message}\n${usage}`);
    this.name = 'FlagError';
  }
}

const fail = (message: string): Error => new FlagError(message);
const parseInteger = (flag: string, value: string, min: number, max?: number): number => parseIntegerFlag(flag, value, fail, min, max);

export function parseDnsFlags(argv: readonly string[]): DnsConfig {
  const config: DnsConfig = {
    kubeconfig: '',
    bind: '127.0.0.1',
    port: 53,
    clusterDomain: 'cluster.local',
    upstream: [],
    metricsPort: 9153,
    cacheSize: 10_000,
    logLevel: process.env.SKIFF_LOG_LEVEL ?? 'info',
  };
  for (const [flag, value] of splitFlags(argv, fail)) {
    switch (flag) {
      case 'kubeconfig':
        config.kubeconfig = value;
        break;
      case 'bind':
        config.bind = value;
        break;
      case 'port':
        config.port = parseInteger(flag, value, 0, 65535);
        break;
      case 'cluster-domain':
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) throw new FlagError(`--cluster-domain: not a domain name: "${value}"`);
        config.clusterDomain = value;
        break;
      case 'upstream':
        config.upstream = value.split(',').filter(Boolean).map((s) => parseUpstream(s));
        break;
      case 'metrics-port':
        config.metricsPort = parseInteger(flag, value, 0, 65535);
        break;
      case 'cache-size':
        config.cacheSize = parseInteger(flag, value, 0, 10_000_000);
        break;
      case 'log-level':
        config.logLevel = value;
        break;
      default:
        throw new FlagError(`unknown flag --${flag}`);
    }
  }
  if (!config.kubeconfig) throw new FlagError('--kubeconfig is required');
  return config;
}

/** `8.8.8.8`, `127.0.0.1:5353`, `[::1]:53`, `::1` → host and port (53 by default). */
export function parseUpstream(spec: string): UpstreamServer {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(spec);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(spec);
  const v6 = /^[0-9a-fA-F:]+$/.test(spec) && spec.includes(':') ? [spec, spec, undefined] : undefined;
  const m = bracketed ?? v4 ?? v6;
  if (!m) throw new FlagError(`--upstream: want IP[:port], got "${spec}"`);
  const port = m[2] === undefined ? 53 : parseInteger('upstream', m[2], 1, 65535);
  return { host: m[1]!, port };
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
