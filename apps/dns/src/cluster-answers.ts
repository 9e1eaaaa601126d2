import type { Answer, SoaAnswer, SrvAnswer, StringAnswer } from 'dns-packet';
import type { EndpointSlice, Service } from '@skiff/api';
import { dashIPv4, normalizeName, parseClusterName, type ClusterName } from './cluster-name.ts';

/** Every cluster record lives 5 s, like kube-dns: short enough that a deleted service fades fast. */
export const CLUSTER_TTL = 5;

/** What the answer builder reads: the informer caches, behind a narrow port so tests use plain maps. */
export interface ClusterView {
  getService(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices labelled `kubernetes.io/service-name=<service>` in the namespace. */
  getEndpointSlices(namespace: string, service: string): EndpointSlice[];
  /** True when the namespace holds at least one service (decides NODATA vs NXDOMAIN for `<ns>.svc`). */
  hasServicesIn(namespace: string): boolean;
}

export interface ClusterAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** One ready address of a headless service, with the label it is known by (hostname or dashed IP). */
interface ReadyEndpoint {
  ip: string;
  label: string;
}

/**
 * Answers one question about a name inside the cluster domain. Names that exist but hold
 * no record of the asked type get NOERROR with no answers (NODATA); names that do not
 * exist get NXDOMAIN; both carry the zone's SOA in authority so resolvers can cache the
 * negative answer for its minimum TTL (RFC 2308), as kube-dns and CoreDNS do.
 */
export function answerClusterQuestion(name: string, type: string, domain: string, view: ClusterView, soaSerial = 1): ClusterAnswer {
  const zone = normalizeName(domain);
  const parsed = parseClusterName(name, zone);
  // Owner names echo the question's own spelling: clients using 0x20 case randomisation compare it.
  const qname = name.replace(/\.+$/, '');
  const found = parsed ? recordsFor(parsed, qname, type, zone, view, soaSerial) : undefined;
  if (!found) return { rcode: 'NXDOMAIN', answers: [], authorities: [buildSoa(zone, soaSerial)], additionals: [] };
  if (found.answers.length === 0) return { rcode: 'NOERROR', answers: [], authorities: [buildSoa(zone, soaSerial)], additionals: [] };
  return { rcode: 'NOERROR', answers: found.answers, authorities: [], additionals: found.additionals };
}

/** The zone's SOA, also the negative-caching hint: minimum = TTL of NXDOMAIN/NODATA. */
export function buildSoa(zone: string, serial: number): SoaAnswer {
  return {
    type: 'SOA',
    name: zone,
    ttl: CLUSTER_TTL,
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial, refresh: 7200, retry: 1800, expire: 86400, minimum: CLUSTER_TTL },
  };
}

type Found = { answers: Answer[]; additionals: Answer[] };
const nodata: Found = { answers: [], additionals: [] };

/** undefined: the name does not exist; empty answers: it exists but has no record of this type. */
function recordsFor(parsed: ClusterName, qname: string, type: string, zone: string, view: ClusterView, soaSerial: number): Found | undefined {
  switch (parsed.kind) {
    case 'apex':
      return type === 'SOA' || type === 'ANY' ? { answers: [buildSoa(zone, soaSerial)], additionals: [] } : nodata;
    case 'interior':
      if (parsed.namespace === undefined || parsed.section === 'pod') return nodata;
      return view.hasServicesIn(parsed.namespace) ? nodata : undefined;
    case 'unknown':
      return undefined;
    case 'pod':
      return wants(type, 'A') ? { answers: [a(qname, parsed.ip)], additionals: [] } : nodata;
    case 'service':
      return serviceRecords(parsed.namespace, parsed.service, qname, type, zone, view);
    case 'endpoint':
      return endpointRecords(parsed.namespace, parsed.service, parsed.endpoint, qname, type, view);
    case 'port':
      return portRecords(parsed, qname, type, zone, view);
  }
}

function serviceRecords(ns: string, name: string, qname: string, type: string, zone: string, view: ClusterView): Found | undefined {
  const svc = view.getService(ns, name);
  if (!svc) return undefined;
  if (svc.spec?.type === 'ExternalName') {
    const target = svc.spec.externalName;
    if (!target) return undefined;
    // A CNAME owns its name: it answers every type (RFC 1034 §3.6.2).
    return { answers: [{ type: 'CNAME', name: qname, ttl: CLUSTER_TTL, data: normalizeName(target) }], additionals: [] };
  }
  const svcName = `${name}.${ns}.svc.${zone}`;
  if (!isHeadless(svc)) {
    const ip = svc.spec?.clusterIP;
    if (!ip) return undefined;
    if (wants(type, 'A')) return { answers: [a(qname, ip)], additionals: [] };
    if (wants(type, 'SRV')) {
      const srvs = (svc.spec?.ports ?? []).filter((p) => p.name).map((p) => srv(qname, svcName, p.port, 1));
      return { answers: srvs, additionals: srvs.length ? [a(svcName, ip)] : [] };
    }
    return nodata;
  }
  const endpoints = readyEndpoints(view.getEndpointSlices(ns, name));
  if (wants(type, 'A')) return { answers: uniqueIps(endpoints).map((ip) => a(qname, ip)), additionals: [] };
  if (wants(type, 'SRV')) {
    const ports = new Map<string, number>();
    for (const slice of view.getEndpointSlices(ns, name)) {
      for (const p of slice.ports ?? []) if (p.name && p.port !== undefined) ports.set(p.name, p.port);
    }
    return headlessSrv(qname, svcName, endpoints, [...ports.values()]);
  }
  return nodata;
}

function endpointRecords(ns: string, name: string, label: string, qname: string, type: string, view: ClusterView): Found | undefined {
  const svc = view.getService(ns, name);
  if (!svc || !isHeadless(svc)) return undefined;
  const matches = readyEndpoints(view.getEndpointSlices(ns, name)).filter((ep) => ep.label === label);
  if (matches.length === 0) return undefined;
  return wants(type, 'A') ? { answers: uniqueIps(matches).map((ip) => a(qname, ip)), additionals: [] } : nodata;
}

function portRecords(parsed: Extract<ClusterName, { kind: 'port' }>, qname: string, type: string, zone: string, view: ClusterView): Found | undefined {
  const { namespace: ns, service: name, port, protocol } = parsed;
  const svc = view.getService(ns, name);
  if (!svc || svc.spec?.type === 'ExternalName') return undefined;
  const svcName = `${name}.${ns}.svc.${zone}`;
  if (!isHeadless(svc)) {
    const ip = svc.spec?.clusterIP;
    const sp = (svc.spec?.ports ?? []).find((p) => p.name?.toLowerCase() === port && (p.protocol ?? 'TCP').toLowerCase() === protocol);
    if (!sp || !ip) return undefined;
    if (wants(type, 'SRV')) return { answers: [srv(qname, svcName, sp.port, 1)], additionals: [a(svcName, ip)] };
    return wants(type, 'A') ? { answers: [a(qname, ip)], additionals: [] } : nodata;
  }
  // Headless: the port number comes from the slices (the target port), per endpoint.
  const slices = view.getEndpointSlices(ns, name);
  let portNumber: number | undefined;
  for (const slice of slices) {
    const p = (slice.ports ?? []).find((sp) => sp.name?.toLowerCase() === port && (sp.protocol ?? 'TCP').toLowerCase() === protocol);
    if (p?.port !== undefined) portNumber = p.port;
  }
  const declared = (svc.spec?.ports ?? []).some((p) => p.name?.toLowerCase() === port && (p.protocol ?? 'TCP').toLowerCase() === protocol);
  if (portNumber === undefined) return declared ? nodata : undefined;
  const endpoints = readyEndpoints(slices);
  if (wants(type, 'SRV')) return headlessSrv(qname, svcName, endpoints, [portNumber]);
  return wants(type, 'A') ? { answers: uniqueIps(endpoints).map((ip) => a(qname, ip)), additionals: [] } : nodata;
}

/** One SRV per (endpoint, port), each pointing at the endpoint's own name, whose A rides along. */
function headlessSrv(qname: string, svcName: string, endpoints: ReadyEndpoint[], ports: number[]): Found {
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  const seen = new Set<string>();
  const count = endpoints.length * ports.length;
  for (const ep of endpoints) {
    const target = `${ep.label}.${svcName}`;
    for (const port of ports) answers.push(srv(qname, target, port, count));
    if (!seen.has(target)) {
      seen.add(target);
      additionals.push(a(target, ep.ip));
    }
  }
  return { answers, additionals };
}

/** Ready IPv4 endpoints: a nil `ready` condition means ready (the API's own rule for consumers). */
function readyEndpoints(slices: EndpointSlice[]): ReadyEndpoint[] {
  const out: ReadyEndpoint[] = [];
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses ?? []) out.push({ ip, label: ep.hostname?.toLowerCase() ?? dashIPv4(ip) });
    }
  }
  return out;
}

function uniqueIps(endpoints: ReadyEndpoint[]): string[] {
  return [...new Set(endpoints.map((ep) => ep.ip))];
}

function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

function wants(asked: string, record: string): boolean {
  return asked === record || asked === 'ANY';
}

function a(name: string, ip: string): StringAnswer {
  return { type: 'A', name, ttl: CLUSTER_TTL, data: ip };
}

/** Equal priority; weights split 100 evenly, as CoreDNS does, so clients spread load. */
function srv(name: string, target: string, port: number, count: number): SrvAnswer {
  return { type: 'SRV', name, ttl: CLUSTER_TTL, data: { priority: 0, weight: Math.max(1, Math.floor(100 / count)), port, target } };
}
