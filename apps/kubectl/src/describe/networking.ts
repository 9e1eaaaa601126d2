/** Describers for Ingress, IngressClass and NetworkPolicy, in kubectl's layout (describe.go). */
import { formatSelector, LAST_APPLIED, type Lines, type Obj } from './lines.ts';

/** `name:port` of a service backend, or the typed reference of a resource backend. */
function backendText(backend: Obj | undefined): string {
  if (backend?.service) {
    const port = backend.service.port?.number ? String(backend.service.port.number) : (backend.service.port?.name ?? '');
    return `${backend.service.name}:${port}`;
  }
  if (backend?.resource) {
    const r = backend.resource;
    return `APIGroup: ${r.apiGroup ?? '<none>'}, Kind: ${r.kind}, Name: ${r.name}`;
  }
  return '';
}

/** The load balancer's addresses (IP, else hostname), sorted and unique. */
function addresses(o: Obj): string {
  const all = ((o.status?.loadBalancer?.ingress ?? []) as Obj[]).map((i) => i.ip || i.hostname).filter(Boolean) as string[];
  return [...new Set(all)].sort().join(',');
}

/**
 * kubectl also lists each service backend's endpoints in parentheses, which needs the
 * Service and its EndpointSlices; Skiff's describe reads only the object, so backends are
 * shown as `service:port`.
 */
export function describeIngress(w: Lines, o: Obj): void {
  const spec = o.spec ?? {};
  w.field(0, 'Name', o.metadata?.name).labels(0, 'Labels', o.metadata?.labels).field(0, 'Namespace', o.metadata?.namespace);
  w.add(0, `Address:\t${addresses(o)}`);
  w.field(0, 'Ingress Class', spec.ingressClassName);
  const fallback = spec.defaultBackend ? backendText(spec.defaultBackend) : '<default>';
  w.add(0, `Default backend:\t${fallback}`);
  const tls = (spec.tls ?? []) as Obj[];
  if (tls.length > 0) {
    w.add(0, 'TLS:');
    for (const t of tls) w.add(1, t.secretName ? `${t.secretName} terminates ${(t.hosts ?? []).join(',')}` : `SNI routes ${(t.hosts ?? []).join(',')}`);
  }
  w.add(0, 'Rules:').add(1, 'Host\tPath\tBackends').add(1, '----\t----\t--------');
  const rules = ((spec.rules ?? []) as Obj[]).filter((r) => r.http);
  for (const rule of rules) {
    w.add(1, `${rule.host || '*'}\t`);
    for (const p of (rule.http.paths ?? []) as Obj[]) w.add(2, `\t${p.path ?? ''} \t${backendText(p.backend)}`);
  }
  if (rules.length === 0) w.add(1, `*\t*\t${fallback}`);
  w.labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
}

export function describeIngressClass(w: Lines, o: Obj): void {
  w.field(0, 'Name', o.metadata?.name).labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  w.field(0, 'Controller', o.spec?.controller);
  const params = o.spec?.parameters as Obj | undefined;
  if (!params) return;
  w.add(0, 'Parameters:');
  if (params.apiGroup) w.field(1, 'APIGroup', params.apiGroup);
  w.field(1, 'Kind', params.kind).field(1, 'Name', params.name);
  if (params.namespace) w.field(1, 'Namespace', params.namespace);
  if (params.scope) w.field(1, 'Scope', params.scope);
}

/** Go's time.Time.String() of a UTC timestamp: `2026-12-07 01:27:27 +0000 UTC`. */
function goTimeString(iso: string | undefined): string {
  if (!iso) return '0001-01-01 00:00:00 +0000 UTC';
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** `To Port: 5432/TCP` (a range as `6000-6010/TCP`), for each port of a rule, or any port. */
function describePorts(w: Lines, ports: Obj[] | undefined): void {
  if (!ports?.length) return void w.add(2, 'To Port: <any> (traffic allowed to all ports)');
  for (const port of ports) {
    const range = port.endPort !== undefined ? `${port.port}-${port.endPort}` : String(port.port ?? '<nil>');
    w.add(2, `To Port: ${range}/${port.protocol ?? 'TCP'}`);
  }
}

function describePeers(w: Lines, title: 'From' | 'To', peers: Obj[] | undefined, any: string): void {
  if (!peers?.length) return void w.add(2, `${title}: <any> (${any})`);
  for (const peer of peers) {
    w.add(2, `${title}:`);
    if (peer.namespaceSelector) w.add(3, `NamespaceSelector: ${formatSelector(peer.namespaceSelector)}`);
    if (peer.podSelector) w.add(3, `PodSelector: ${formatSelector(peer.podSelector)}`);
    if (peer.ipBlock && !peer.podSelector && !peer.namespaceSelector) {
      w.add(3, 'IPBlock:')
        .add(4, `CIDR: ${peer.ipBlock.cidr}`)
        .add(4, `Except: ${(peer.ipBlock.except ?? []).join(', ')}`);
    }
  }
}

/** One direction: its rules separated by dashes, or the isolation an empty list means. */
function describeDirection(w: Lines, direction: 'ingress' | 'egress', rules: Obj[] | undefined): void {
  if (!rules?.length) return void w.add(2, `<none> (Selected pods are isolated for ${direction} connectivity)`);
  rules.forEach((rule, i) => {
    describePorts(w, rule.ports);
    if (direction === 'ingress') describePeers(w, 'From', rule.from, 'traffic not restricted by source');
    else describePeers(w, 'To', rule.to, 'traffic not restricted by destination');
    if (i !== rules.length - 1) w.add(2, '----------');
  });
}

export function describeNetworkPolicy(w: Lines, o: Obj): void {
  const spec = o.spec ?? {};
  w.field(0, 'Name', o.metadata?.name).field(0, 'Namespace', o.metadata?.namespace);
  w.add(0, `Created on:\t${goTimeString(o.metadata?.creationTimestamp)}`);
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  w.add(0, 'Spec:');
  const selector = formatSelector(spec.podSelector);
  w.add(1, `PodSelector:     ${selector === '<none>' ? '<none> (Allowing the specific traffic to all pods in this namespace)' : selector}`);
  const types = (spec.policyTypes ?? []) as string[];
  for (const [type, direction] of [
    ['Ingress', 'ingress'],
    ['Egress', 'egress'],
  ] as const) {
    if (!types.includes(type)) {
      w.add(1, `Not affecting ${direction} traffic`);
      continue;
    }
    w.add(1, `Allowing ${direction} traffic:`);
    describeDirection(w, direction, spec[direction]);
  }
  w.add(1, `Policy Types: ${types.join(', ')}`);
}
