/**
 * A pod's resolv.conf as the kubelet computes it (dns.go's GetPodDNS): ClusterFirst points at
 * the cluster DNS with the namespace's search path and ndots:5; Default takes the node's
 * resolv.conf; None takes only dnsConfig; a hostNetwork pod under ClusterFirst falls back to
 * Default unless it asked for ClusterFirstWithHostNet. dnsConfig is merged last.
 */
import type { Pod } from '@skiff/api';
import type { DnsConfig } from '../container-runtime.ts';

export interface ClusterDnsSettings {
  clusterDns: string[];
  clusterDomain: string;
  /** The node's resolv.conf contents, for dnsPolicy Default. */
  hostResolvConf?: string;
}

/** Kubernetes' limits: 3 nameservers, 32 search domains. */
const MAX_SERVERS = 3;
const MAX_SEARCHES = 32;

export function parseResolvConf(text: string): DnsConfig {
  const out: Required<DnsConfig> = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const [key, ...fields] = raw
      .replace(/[#;].*$/, '')
      .trim()
      .split(/\s+/);
    if (key === 'nameserver' && fields[0]) out.servers.push(fields[0]);
    else if (key === 'search' || key === 'domain') out.searches = fields;
    else if (key === 'options') out.options.push(...fields);
  }
  return out;
}

/** undefined: leave the runtime's default (Docker's copy of the node's resolv.conf). */
export function getPodDns(pod: Pod, settings: ClusterDnsSettings): DnsConfig | undefined {
  const spec = pod.spec ?? { containers: [] };
  let policy = spec.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'ClusterFirst' && spec.hostNetwork) policy = 'Default';
  if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  let base: DnsConfig | undefined;
  if (policy === 'ClusterFirst' && settings.clusterDns.length > 0) {
    const ns = pod.metadata?.namespace ?? 'default';
    const d = settings.clusterDomain;
    const host = settings.hostResolvConf ? parseResolvConf(settings.hostResolvConf) : {};
    base = { servers: [...settings.clusterDns], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...(host.searches ?? [])], options: ['ndots:5'] };
  } else if (policy === 'None') {
    base = { servers: [], searches: [], options: [] };
  } else if (spec.dnsConfig) {
    // Default (or ClusterFirst without a cluster DNS) with a dnsConfig to merge: start from the node's file.
    base = settings.hostResolvConf ? parseResolvConf(settings.hostResolvConf) : { servers: [], searches: [], options: [] };
  }
  if (!base) return undefined;
  return mergeDnsConfig(base, spec.dnsConfig);
}

function mergeDnsConfig(base: DnsConfig, extra: NonNullable<Pod['spec']>['dnsConfig']): DnsConfig {
  const servers = dedupe([...(base.servers ?? []), ...(extra?.nameservers ?? [])]).slice(0, MAX_SERVERS);
  const searches = dedupe([...(base.searches ?? []), ...(extra?.searches ?? [])]).slice(0, MAX_SEARCHES);
  // An option given by dnsConfig replaces the base's option of the same name.
  const options = new Map<string, string>();
  for (const o of base.options ?? []) options.set(o.split(':')[0]!, o);
  for (const o of extra?.options ?? []) options.set(o.name ?? '', o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? ''));
  return { servers, searches, options: [...options.values()].filter(Boolean) };
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}
