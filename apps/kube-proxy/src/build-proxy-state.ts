import type { EndpointSlice, Node, Service } from '@skiff/api';
import { servicePortKey, type Protocol, type ProxyEndpoint, type ProxyService, type ProxyState } from './proxy-state.ts';

/** The label tying an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface BuildStateInput {
  services: readonly Service[];
  slices: readonly EndpointSlice[];
  /** This proxy's own Node, when known. */
  node?: Node;
  nodeName: string;
  clusterCIDR?: string;
  options?: ProxyState['options'];
  previousChains?: ProxyState['previousChains'];
}

/**
 * Reduces informer caches to what renderRules needs. Endpoints are matched to service
 * ports by port *name* (EndpointSlice ports carry the service port's name and the target
 * port number), and merged across every slice of a service, deduplicated by ip:port.
 */
export function buildProxyState(input: BuildStateInput): ProxyState {
  const services: ProxyService[] = [];
  for (const svc of input.services) {
    const spec = svc.spec ?? {};
    const namespace = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    services.push({
      namespace,
      name,
      type: (spec.type ?? 'ClusterIP') as ProxyService['type'],
      clusterIP: spec.clusterIP,
      ports: (spec.ports ?? []).map((p) => ({
        name: p.name ?? '',
        protocol: (p.protocol ?? 'TCP') as Protocol,
        port: p.port,
        nodePort: p.nodePort,
      })),
      externalIPs: spec.externalIPs,
      loadBalancerIPs: spec.type === 'LoadBalancer' ? loadBalancerIPsOf(svc) : undefined,
      healthCheckNodePort: spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local' ? spec.healthCheckNodePort : undefined,
      externalTrafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
      sessionAffinity: spec.sessionAffinity === 'ClientIP' ? 'ClientIP' : 'None',
      sessionAffinityTimeoutSeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds,
    });
  }

  const endpoints: Record<string, ProxyEndpoint[]> = {};
  const seen = new Set<string>();
  for (const slice of input.slices) {
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    const serviceName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!serviceName) continue;
    const namespace = slice.metadata?.namespace ?? 'default';
    for (const port of slice.ports ?? []) {
      if (port.port === undefined) continue;
      const key = servicePortKey(namespace, serviceName, port.name ?? '');
      for (const ep of slice.endpoints ?? []) {
        // A nil ready condition means "unknown", which consumers treat as ready.
        const ready = ep.conditions?.ready !== false;
        for (const ip of ep.addresses) {
          const id = `${key}|${ip}:${port.port}`;
          if (seen.has(id)) continue;
          seen.add(id);
          (endpoints[key] ??= []).push({ ip, port: port.port, ready, nodeName: ep.nodeName, local: ep.nodeName === input.nodeName });
        }
      }
    }
  }

  const nodeAddresses = (input.node?.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
  return {
    services,
    endpoints,
    nodeAddresses,
    clusterCIDR: input.clusterCIDR,
    options: input.options,
    previousChains: input.previousChains,
  };
}

/** The addresses a load balancer implementation wrote; hostnames and proxy-mode addresses are not ours to capture. */
function loadBalancerIPsOf(svc: Service): string[] | undefined {
  const ips = (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip && (i.ipMode ?? 'VIP') === 'VIP').map((i) => i.ip!);
  return ips.length > 0 ? ips : undefined;
}

/** For each UDP ClusterIP, the endpoint IPs currently in use: `'10.96.0.10' → {'10.244.1.5'}`. */
export function udpEndpointsByClusterIP(state: ProxyState): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const svc of state.services) {
    if (!svc.clusterIP || svc.clusterIP === 'None') continue;
    for (const port of svc.ports) {
      if (port.protocol !== 'UDP') continue;
      const ips = out.get(svc.clusterIP) ?? new Set<string>();
      for (const e of state.endpoints[servicePortKey(svc.namespace, svc.name, port.name)] ?? []) if (e.ready) ips.add(e.ip);
      out.set(svc.clusterIP, ips);
    }
  }
  return out;
}

/**
 * UDP has no connection close: conntrack keeps DNATing a client's flow to an endpoint that
 * is gone until the entry times out. These pairs must be deleted after the new rules land.
 */
export function findStaleUdpFlows(before: Map<string, Set<string>>, after: Map<string, Set<string>>): { clusterIP: string; endpointIP: string }[] {
  const stale: { clusterIP: string; endpointIP: string }[] = [];
  for (const [clusterIP, ips] of before) {
    const now = after.get(clusterIP);
    for (const ip of ips) if (!now?.has(ip)) stale.push({ clusterIP, endpointIP: ip });
  }
  return stale.sort((a, b) => (a.clusterIP + a.endpointIP < b.clusterIP + b.endpointIP ? -1 : 1));
}
