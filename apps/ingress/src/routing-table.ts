/**
 * The routing table: computed purely from the informer caches on every change, then swapped into
 * the proxy in one assignment, so a request in flight keeps the table (and backend) it started with.
 */
import type { EndpointSlice, Ingress, IngressBackend, Service } from '@skiff/api';

/** The label tying an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** A Service port behind some route, with the ready endpoints ("ip:port", target ports) to spread over. */
export interface Upstream {
  /** `namespace/service:port` — also the round-robin key, stable across table swaps. */
  id: string;
  endpoints: string[];
}

export interface Route {
  pathType: 'Exact' | 'Prefix';
  /** Exact: as written. Prefix: without trailing slashes ('' for "/"). */
  path: string;
  upstream: Upstream;
  /** `namespace/name` of the Ingress the route came from. */
  ingress: string;
}

export interface HostRoutes {
  exact: Map<string, Route>;
  /** Longest first, so the first that matches is the longest match. */
  prefix: Route[];
}

export interface RoutingTable {
  /** Exact host names, lower case. */
  hosts: Map<string, HostRoutes>;
  /** `*.example.com` keyed by `example.com`: matches exactly one more label. */
  wildcards: Map<string, HostRoutes>;
  /** Rules without a host: any host not named above. */
  anyHost: HostRoutes;
  defaultBackend?: Upstream;
  /** TLS host (exact or `*.x`) → `namespace/secretName`. */
  tlsSecrets: Map<string, string>;
}

export interface RoutingInput {
  /** Only the Ingresses this controller serves. */
  ingresses: readonly Ingress[];
  services: readonly Service[];
  slices: readonly EndpointSlice[];
}

export function emptyRoutingTable(): RoutingTable {
  return { hosts: new Map(), wildcards: new Map(), anyHost: emptyHostRoutes(), tlsSecrets: new Map() };
}

function emptyHostRoutes(): HostRoutes {
  return { exact: new Map(), prefix: [] };
}

/**
 * Two Ingresses claiming the same host and path (or the default backend, or a TLS host): the
 * OLDEST one (creationTimestamp, then namespace/name) wins and the newer one's rule is ignored,
 * so creating an Ingress can never take traffic away from one already serving it.
 */
export function byAge(a: Ingress, b: Ingress): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata?.namespace}/${a.metadata?.name}`;
  const kb = `${b.metadata?.namespace}/${b.metadata?.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function buildRoutingTable(input: RoutingInput): RoutingTable {
  const table = emptyRoutingTable();
  const upstreams = new UpstreamResolver(input.services, input.slices);
  for (const ing of [...input.ingresses].sort(byAge)) {
    const ns = ing.metadata?.namespace ?? 'default';
    const ingKey = `${ns}/${ing.metadata?.name}`;
    const spec = ing.spec ?? {};
    if (spec.defaultBackend && !table.defaultBackend) table.defaultBackend = upstreams.resolve(ns, spec.defaultBackend);
    for (const rule of spec.rules ?? []) {
      const routes = routesForHost(table, rule.host?.toLowerCase());
      for (const p of rule.http?.paths ?? []) {
        const pathType = p.pathType === 'Exact' ? 'Exact' : 'Prefix'; // ImplementationSpecific is Prefix here.
        const path = pathType === 'Exact' ? (p.path ?? '/') : trimSlashes(p.path ?? '/');
        const route: Route = { pathType, path, upstream: upstreams.resolve(ns, p.backend), ingress: ingKey };
        if (pathType === 'Exact') {
          if (!routes.exact.has(path)) routes.exact.set(path, route);
        } else if (!routes.prefix.some((r) => r.path === path)) {
          routes.prefix.push(route);
        }
      }
    }
    for (const tls of spec.tls ?? []) {
      if (!tls.secretName) continue;
      for (const host of tls.hosts ?? []) {
        const h = host.toLowerCase();
        if (!table.tlsSecrets.has(h)) table.tlsSecrets.set(h, `${ns}/${tls.secretName}`);
      }
    }
  }
  for (const routes of [table.anyHost, ...table.hosts.values(), ...table.wildcards.values()]) {
    routes.prefix.sort((a, b) => b.path.length - a.path.length);
  }
  return table;
}

function routesForHost(table: RoutingTable, host: string | undefined): HostRoutes {
  if (!host) return table.anyHost;
  const [map, key] = host.startsWith('*.') ? [table.wildcards, host.slice(2)] : [table.hosts, host];
  let routes = map.get(key);
  if (!routes) map.set(key, (routes = emptyHostRoutes()));
  return routes;
}

function trimSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}

/**
 * The host part of a Host header, lower case: `Example.com:8080` → `example.com`, `[::1]:80` → `::1`.
 */
export function hostOf(header: string | undefined): string {
  const h = (header ?? '').toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.indexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/** A host's own rules, else a `*.` rule one label up, else the host-less rules. */
export function routesFor(table: RoutingTable, host: string): HostRoutes {
  const exact = table.hosts.get(host);
  if (exact) return exact;
  const dot = host.indexOf('.');
  const wildcard = dot > 0 ? table.wildcards.get(host.slice(dot + 1)) : undefined;
  return wildcard ?? table.anyHost;
}

/**
 * Where a request goes: an Exact path first, then the longest Prefix matched element-wise
 * (`/foo` matches `/foo` and `/foo/bar`, never `/foobar`), then the default backend; undefined = 404.
 */
export function findUpstream(table: RoutingTable, hostHeader: string | undefined, url: string | undefined): Upstream | undefined {
  const routes = routesFor(table, hostOf(hostHeader));
  const path = pathOf(url);
  const exact = routes.exact.get(path);
  if (exact) return exact.upstream;
  for (const r of routes.prefix) {
    if (r.path === '' || path === r.path || path.startsWith(`${r.path}/`)) return r.upstream;
  }
  return table.defaultBackend;
}

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q >= 0 ? u.slice(0, q) : u;
}

/** Turns an Ingress backend into the ready endpoints of the Service port it names. */
class UpstreamResolver {
  readonly #services = new Map<string, Service>();
  readonly #slices = new Map<string, EndpointSlice[]>();
  readonly #cache = new Map<string, Upstream>();

  constructor(services: readonly Service[], slices: readonly EndpointSlice[]) {
    for (const svc of services) this.#services.set(`${svc.metadata?.namespace}/${svc.metadata?.name}`, svc);
    for (const slice of slices) {
      const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (!svc || (slice.addressType && slice.addressType !== 'IPv4')) continue;
      const key = `${slice.metadata?.namespace}/${svc}`;
      this.#slices.set(key, [...(this.#slices.get(key) ?? []), slice]);
    }
  }

  resolve(ns: string, backend: IngressBackend): Upstream {
    const svcName = backend.service?.name ?? '';
    const port = backend.service?.port;
    const id = `${ns}/${svcName}:${port?.name ?? port?.number ?? ''}`;
    let upstream = this.#cache.get(id);
    if (!upstream) this.#cache.set(id, (upstream = { id, endpoints: this.#endpoints(`${ns}/${svcName}`, port) }));
    return upstream;
  }

  /** EndpointSlice ports carry the Service port's name and the target port number. */
  #endpoints(svcKey: string, port: { name?: string; number?: number } | undefined): string[] {
    const svc = this.#services.get(svcKey);
    const svcPort = svc?.spec?.ports?.find((p) => (port?.name ? p.name === port.name : p.port === port?.number));
    if (!svcPort) return [];
    const out = new Set<string>();
    for (const slice of this.#slices.get(svcKey) ?? []) {
      const target = slice.ports?.find((p) => (p.name ?? '') === (svcPort.name ?? ''))?.port;
      if (target === undefined) continue;
      for (const ep of slice.endpoints ?? []) {
        // A missing ready condition means "unknown", which consumers treat as ready.
        if (ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses) out.add(`${ip}:${target}`);
      }
    }
    return [...out].sort();
  }
}
