/**
 * What a query name means inside the cluster domain, following the Kubernetes DNS
 * specification (https://github.com/kubernetes/dns/blob/master/docs/specification.md):
 *
 *   <svc>.<ns>.svc.<domain>                       service
 *   <endpoint>.<svc>.<ns>.svc.<domain>            one endpoint of a headless service
 *   _<port>._<proto>.<svc>.<ns>.svc.<domain>      a named port of a service (SRV)
 *   <a-b-c-d>.<ns>.pod.<domain>                   a pod by its dashed IPv4 address
 *   <domain>, svc.<domain>, pod.<domain>, <ns>.svc.<domain>, <ns>.pod.<domain>
 *                                                 the zone's interior nodes
 *
 * Names are case-insensitive (RFC 4343), so everything is lower-cased here once.
 */
export type ClusterName =
  | { kind: 'service'; namespace: string; service: string }
  | { kind: 'endpoint'; namespace: string; service: string; endpoint: string }
  | { kind: 'port'; namespace: string; service: string; port: string; protocol: string }
  | { kind: 'pod'; namespace: string; ip: string }
  /** An interior node of the zone: it exists, holds no records of its own (NODATA). */
  | { kind: 'apex' }
  | { kind: 'interior'; namespace?: string; section: 'svc' | 'pod' }
  /** Inside the domain but matching no shape: NXDOMAIN. */
  | { kind: 'unknown' };

/** Lower-cases and drops the trailing dot: `Web.Default.SVC.cluster.local.` → `web.default.svc.cluster.local`. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

/** True when `name` is the cluster domain or below it. */
export function isInDomain(name: string, domain: string): boolean {
  const n = normalizeName(name);
  const d = normalizeName(domain);
  return n === d || n.endsWith(`.${d}`);
}

/** The meaning of `name` inside `domain`, or undefined when the name lies outside it. */
export function parseClusterName(name: string, domain: string): ClusterName | undefined {
  const n = normalizeName(name);
  const d = normalizeName(domain);
  if (n === d) return { kind: 'apex' };
  if (!n.endsWith(`.${d}`)) return undefined;
  // Labels read right to left from the domain: [section, ns, ...rest].
  const labels = n
    .slice(0, -(d.length + 1))
    .split('.')
    .reverse();
  const [section, namespace, ...rest] = labels;
  if (section === 'svc') return parseServiceName(namespace, rest);
  if (section === 'pod') return parsePodName(namespace, rest);
  return { kind: 'unknown' };
}

function parseServiceName(namespace: string | undefined, rest: string[]): ClusterName {
  if (namespace === undefined) return { kind: 'interior', section: 'svc' };
  if (!isDnsLabel(namespace)) return { kind: 'unknown' };
  if (rest.length === 0) return { kind: 'interior', section: 'svc', namespace };
  const [service, next, last, ...extra] = rest;
  if (!isDnsLabel(service)) return { kind: 'unknown' };
  if (next === undefined) return { kind: 'service', namespace, service };
  if (last === undefined) {
    // `_tcp.web...` alone is an interior node of the SRV tree; treat it as unknown like kube-dns.
    if (!isDnsLabel(next)) return { kind: 'unknown' };
    return { kind: 'endpoint', namespace, service, endpoint: next };
  }
  if (extra.length > 0) return { kind: 'unknown' };
  // rest reads [service, _proto, _port].
  if (!next.startsWith('_') || !last.startsWith('_')) return { kind: 'unknown' };
  const protocol = next.slice(1);
  const port = last.slice(1);
  if (!['tcp', 'udp', 'sctp'].includes(protocol) || port === '') return { kind: 'unknown' };
  return { kind: 'port', namespace, service, port, protocol };
}

function parsePodName(namespace: string | undefined, rest: string[]): ClusterName {
  if (namespace === undefined) return { kind: 'interior', section: 'pod' };
  if (!isDnsLabel(namespace)) return { kind: 'unknown' };
  if (rest.length === 0) return { kind: 'interior', section: 'pod', namespace };
  if (rest.length > 1) return { kind: 'unknown' };
  const ip = parseDashedIPv4(rest[0]);
  return ip ? { kind: 'pod', namespace, ip } : { kind: 'unknown' };
}

/** `10-244-1-7` → `10.244.1.7`; anything else → undefined. */
export function parseDashedIPv4(label: string): string | undefined {
  const parts = label.split('-');
  if (parts.length !== 4) return undefined;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
  }
  return parts.map(Number).join('.');
}

/** `10.244.1.7` → `10-244-1-7`: the endpoint label kube-dns gives endpoints without a hostname. */
export function dashIPv4(ip: string): string {
  return ip.replaceAll('.', '-');
}

/** An RFC 1123 label: what namespaces, service names and hostnames are made of. */
function isDnsLabel(label: string | undefined): label is string {
  return label !== undefined && /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(label);
}
