/**
 * networking.k8s.io/v1 validation: Ingress, IngressClass and NetworkPolicy, with the messages
 * and field paths of upstream's pkg/apis/networking/validation.
 */
import {
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  checkCIDR,
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkPortName,
  checkPortNumber,
  isIP,
} from '../names.ts';
import { supportedProtocols } from './container.ts';
import { type FieldError, duplicate, forbidden, immutable, invalid, invalidEach, isObject, notSupported, required, tooLong } from './field-error.ts';
import { validateLabelSelector } from './meta.ts';
import { checkPathSegmentName } from './rbac.ts';

export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F'];
const invalidPathSuffixes = ['/..', '/.'];
const parameterScopes = ['Cluster', 'Namespace'];
const policyTypes = ['Ingress', 'Egress'];
const MAX_CONTROLLER_LENGTH = 250;

const dns1123SubdomainFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const wildcardFmt = `\\*\\.${dns1123SubdomainFmt}`;
const wildcardRe = new RegExp(`^${wildcardFmt}$`);
const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPathRe = new RegExp(`^${httpPathFmt}$`);

/** validation.IsWildcardDNS1123Subdomain: `*.example.com`. */
function checkWildcardDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(`must be no more than ${DNS1123_SUBDOMAIN_MAX_LENGTH} characters`);
  if (!wildcardRe.test(value)) {
    errs.push(
      "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric" +
        ` characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '${wildcardFmt}')`,
    );
  }
  return errs;
}

/** A rule's or a TLS entry's host: a DNS name, perhaps with a leading `*.` label. */
function validateHost(host: string, path: string): FieldError[] {
  const check = host.includes('*') ? checkWildcardDns1123Subdomain : checkDns1123Subdomain;
  return invalidEach(path, host, check(host));
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function list(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

// --- Ingress ---

function validateIngressBackend(backend: unknown, path: string): FieldError[] {
  if (!isObject(backend)) return [invalid(path, '', 'resource or service backend is required')];
  const { service, resource } = backend;
  if (service != null && resource != null) return [invalid(path, '', 'cannot set both resource and service backends')];
  if (resource != null) return validateTypedReference(resource, `${path}.resource`);
  if (service == null) return [invalid(path, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const name = str(service.name);
  if (name === '') errs.push(required(`${path}.service.name`));
  else errs.push(...invalidEach(`${path}.service.name`, name, checkDns1035Label(name)));
  const portName = str(service.port?.name);
  const portNumber = typeof service.port?.number === 'number' ? service.port.number : 0;
  if (portName !== '' && portNumber !== 0) errs.push(invalid(path, '', 'cannot set both port name & port number'));
  else if (portName !== '') errs.push(...invalidEach(`${path}.service.port.name`, portName, checkPortName(portName)));
  else if (portNumber !== 0) errs.push(...invalidEach(`${path}.service.port.number`, portNumber, checkPortNumber(portNumber)));
  else errs.push(required(path, 'port name or number is required'));
  return errs;
}

/** An Ingress backend's `resource`: a TypedLocalObjectReference. */
function validateTypedReference(ref: unknown, path: string): FieldError[] {
  if (!isObject(ref)) return [invalid(path, ref, 'must be an object')];
  const errs: FieldError[] = [];
  if (ref.apiGroup != null) errs.push(...invalidEach(`${path}.apiGroup`, ref.apiGroup, checkDns1123Subdomain(str(ref.apiGroup))));
  for (const key of ['kind', 'name'] as const) {
    const value = str(ref[key]);
    if (value === '') errs.push(required(`${path}.${key}`));
    else errs.push(...invalidEach(`${path}.${key}`, value, checkPathSegmentName(value)));
  }
  return errs;
}

function validateHttpPath(p: any, path: string): FieldError[] {
  if (!isObject(p)) return [invalid(path, p, 'must be an object')];
  if (p.pathType == null || p.pathType === '') return [required(`${path}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const value = str(p.path);
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!value.startsWith('/')) errs.push(invalid(`${path}.path`, value, 'must be an absolute path'));
    for (const seq of invalidPathSequences) if (value.includes(seq)) errs.push(invalid(`${path}.path`, value, `must not contain '${seq}'`));
    for (const suffix of invalidPathSuffixes) if (value.endsWith(suffix)) errs.push(invalid(`${path}.path`, value, `cannot end with '${suffix}'`));
  } else if (p.pathType === 'ImplementationSpecific') {
    if (value !== '' && !value.startsWith('/')) errs.push(invalid(`${path}.path`, value, 'must be an absolute path'));
  } else {
    errs.push(notSupported(`${path}.pathType`, p.pathType, pathTypes));
  }
  errs.push(...validateIngressBackend(p.backend, `${path}.backend`));
  return errs;
}

/**
 * Upstream accepts the same host, path and pathType twice in one Ingress and leaves the choice
 * to the controller; issue #17 asks that such an Ingress be refused, since the second rule
 * could never be reached and usually is a copy-paste mistake that was meant to differ.
 */
function duplicatePaths(rules: any[]): FieldError[] {
  const seen = new Set<string>();
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    list(rule?.http?.paths).forEach((p, j) => {
      if (!isObject(p)) return;
      const key = JSON.stringify([str(rule.host), str(p.path), str(p.pathType)]);
      if (seen.has(key)) errs.push(duplicate(`spec.rules[${i}].http.paths[${j}].path`, str(p.path)));
      seen.add(key);
    });
  });
  return errs;
}

function validateIngressRules(rules: any[]): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    if (!isObject(rule)) return void errs.push(invalid(path, rule, 'must be an object'));
    const host = str(rule.host);
    if (host !== '') {
      if (isIP(host)) errs.push(invalid(`${path}.host`, host, 'must be a DNS name, not an IP address'));
      errs.push(...validateHost(host, `${path}.host`));
    }
    if (rule.http == null) return;
    const paths = list(rule.http.paths);
    if (paths.length === 0) errs.push(required(`${path}.http.paths`));
    paths.forEach((p, j) => errs.push(...validateHttpPath(p, `${path}.http.paths[${j}]`)));
  });
  return [...errs, ...duplicatePaths(rules)];
}

function validateIngressTls(tls: any[]): FieldError[] {
  const errs: FieldError[] = [];
  tls.forEach((entry, i) => {
    const path = `spec.tls[${i}]`;
    list(entry?.hosts).forEach((host, j) => errs.push(...validateHost(str(host), `${path}.hosts[${j}]`)));
    const secret = str(entry?.secretName);
    if (secret !== '') errs.push(...invalidEach(`${path}.secretName`, secret, checkDns1123Subdomain(secret)));
  });
  return errs;
}

function validateIngressStatus(status: unknown): FieldError[] {
  const errs: FieldError[] = [];
  list(isObject(status) ? status.loadBalancer?.ingress : undefined).forEach((lb, i) => {
    const path = `status.loadBalancer.ingress[${i}]`;
    const ip = str(lb?.ip);
    if (ip !== '' && !isIP(ip)) errs.push(invalid(`${path}.ip`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    const hostname = str(lb?.hostname);
    if (hostname === '') return;
    errs.push(...invalidEach(`${path}.hostname`, hostname, checkDns1123Subdomain(hostname)));
    if (isIP(hostname)) errs.push(invalid(`${path}.hostname`, hostname, 'must be a DNS name, not an IP address'));
  });
  return errs;
}

export function validateIngress(ing: any): FieldError[] {
  const spec = isObject(ing.spec) ? ing.spec : {};
  const errs: FieldError[] = [];
  const rules = list(spec.rules);
  if (rules.length === 0 && spec.defaultBackend == null) {
    errs.push(invalid('spec', spec.rules, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend != null) errs.push(...validateIngressBackend(spec.defaultBackend, 'spec.defaultBackend'));
  errs.push(...validateIngressRules(rules), ...validateIngressTls(list(spec.tls)));
  if (spec.ingressClassName != null) {
    errs.push(...invalidEach('spec.ingressClassName', spec.ingressClassName, checkDns1123Subdomain(str(spec.ingressClassName))));
  }
  errs.push(...validateIngressStatus(ing.status));
  return errs;
}

/** Create only: the old annotation and the field may not name different classes. */
export function validateIngressClassAnnotation(ing: any): FieldError[] {
  const errs: FieldError[] = [];
  const annotation = ing.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
  const className = ing.spec?.ingressClassName;
  if (annotation !== undefined && className != null && annotation !== className) {
    errs.push(invalid(`annotations.${INGRESS_CLASS_ANNOTATION}`, annotation, 'must match `ingressClassName` when both are specified'));
  }
  return errs;
}

// --- IngressClass ---

/** validation.IsDomainPrefixedPath: `example.com/ingress-controller`. */
function validateController(controller: string, path: string): FieldError[] {
  const slash = controller.indexOf('/');
  const host = controller.slice(0, slash);
  const rest = controller.slice(slash + 1);
  if (slash <= 0 || rest === '') return [invalid(path, controller, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = invalidEach(path, host, checkDns1123Subdomain(host));
  if (!httpPathRe.test(rest)) errs.push(invalid(path, rest, `Invalid path (regex used for validation is '${httpPathFmt}')`));
  return errs;
}

function validateParameters(params: unknown): FieldError[] {
  if (params == null) return [];
  const path = 'spec.parameters';
  const errs = validateTypedReference(params, path);
  if (!isObject(params)) return errs;
  if (params.scope == null) return [...errs, required(`${path}.scope`)];
  if (!parameterScopes.includes(params.scope)) return [...errs, notSupported(`${path}.scope`, params.scope, parameterScopes)];
  if (params.scope === 'Namespace') {
    if (params.namespace == null) errs.push(required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else errs.push(...invalidEach(`${path}.namespace`, params.namespace, checkDns1123Label(str(params.namespace))));
  } else if (params.namespace != null) {
    errs.push(forbidden(`${path}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

export function validateIngressClass(ic: any): FieldError[] {
  const errs: FieldError[] = [];
  const controller = str(ic.spec?.controller);
  if (controller === '') errs.push(required('spec.controller'));
  else {
    if (controller.length > MAX_CONTROLLER_LENGTH) errs.push(tooLong('spec.controller', MAX_CONTROLLER_LENGTH));
    errs.push(...validateController(controller, 'spec.controller'));
  }
  return [...errs, ...validateParameters(ic.spec?.parameters)];
}

/** Which controller serves a class is fixed: Ingresses of the class were admitted by it. */
export function validateIngressClassUpdate(ic: any, old: any): FieldError[] {
  return immutable('spec.controller', ic.spec?.controller, old.spec?.controller);
}

// --- NetworkPolicy ---

interface Cidr {
  v6: boolean;
  network: bigint;
  prefix: number;
}

/** A CIDR checkCIDR accepted, as its masked network. */
function parseCidr(value: string): Cidr {
  const [ip, bits] = value.split('/') as [string, string];
  const v6 = ip.includes(':');
  const width = v6 ? 128 : 32;
  const prefix = Number(bits);
  const address = v6 ? ipv6ToBigInt(ip) : ip.split('.').reduce((n, octet) => (n << 8n) | BigInt(octet), 0n);
  const mask = ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
  return { v6, network: address & mask, prefix };
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = ip.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** `except` must lie strictly inside `cidr`: same family, longer prefix, inside the network. */
function isStrictSubset(inner: Cidr, outer: Cidr): boolean {
  if (inner.v6 !== outer.v6 || inner.prefix <= outer.prefix) return false;
  const width = outer.v6 ? 128 : 32;
  const mask = ((1n << BigInt(outer.prefix)) - 1n) << BigInt(width - outer.prefix);
  return (inner.network & mask) === outer.network;
}

function validateIpBlock(block: any, path: string): FieldError[] {
  const cidr = str(block?.cidr);
  if (cidr === '') return [required(`${path}.cidr`)];
  const errs = invalidEach(`${path}.cidr`, cidr, checkCIDR(cidr));
  if (errs.length > 0) return errs;
  const outer = parseCidr(cidr);
  list(block.except).forEach((except, i) => {
    const p = `${path}.except[${i}]`;
    const exceptErrs = invalidEach(p, except, checkCIDR(str(except)));
    if (exceptErrs.length > 0) return void errs.push(...exceptErrs);
    if (!isStrictSubset(parseCidr(except), outer)) errs.push(invalid(p, except, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

function validatePeer(peer: any, path: string): FieldError[] {
  if (!isObject(peer)) return [required(path, 'must specify a peer')];
  const errs: FieldError[] = [];
  let peers = 0;
  for (const key of ['podSelector', 'namespaceSelector'] as const) {
    if (peer[key] == null) continue;
    peers++;
    errs.push(...validateLabelSelector(peer[key], `${path}.${key}`));
  }
  if (peer.ipBlock != null) {
    peers++;
    errs.push(...validateIpBlock(peer.ipBlock, `${path}.ipBlock`));
  }
  if (peers === 0) errs.push(required(path, 'must specify a peer'));
  else if (peers > 1 && peer.ipBlock != null) errs.push(forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

function validatePolicyPort(port: any, path: string): FieldError[] {
  if (!isObject(port)) return [invalid(path, port, 'must be an object')];
  const errs: FieldError[] = [];
  if (port.protocol != null && !supportedProtocols.includes(port.protocol)) {
    errs.push(notSupported(`${path}.protocol`, port.protocol, ['TCP', 'UDP', 'SCTP']));
  }
  const endPort = port.endPort;
  if (typeof port.port === 'number') {
    errs.push(...invalidEach(`${path}.port`, port.port, checkPortNumber(port.port)));
    if (endPort != null) {
      if (endPort < port.port) errs.push(invalid(`${path}.endPort`, endPort, 'must be greater than or equal to `port`'));
      errs.push(...invalidEach(`${path}.endPort`, endPort, checkPortNumber(endPort)));
    }
  } else if (port.port != null) {
    if (endPort != null) errs.push(invalid(`${path}.endPort`, endPort, 'may not be specified when `port` is non-numeric'));
    errs.push(...invalidEach(`${path}.port`, port.port, checkPortName(String(port.port))));
  } else if (endPort != null) {
    errs.push(invalid(`${path}.endPort`, endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

/** One direction's rules: `ingress` with `from` peers, or `egress` with `to` peers. */
function validatePolicyRules(rules: unknown, path: string, peersKey: 'from' | 'to'): FieldError[] {
  const errs: FieldError[] = [];
  list(rules).forEach((rule, i) => {
    list(rule?.ports).forEach((port, j) => errs.push(...validatePolicyPort(port, `${path}[${i}].ports[${j}]`)));
    list(rule?.[peersKey]).forEach((peer, j) => errs.push(...validatePeer(peer, `${path}[${i}].${peersKey}[${j}]`)));
  });
  return errs;
}

export function validateNetworkPolicy(np: any): FieldError[] {
  const spec = isObject(np.spec) ? np.spec : {};
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  errs.push(...validatePolicyRules(spec.ingress, 'spec.ingress', 'from'), ...validatePolicyRules(spec.egress, 'spec.egress', 'to'));
  const types = list(spec.policyTypes);
  if (types.length > policyTypes.length) return [...errs, invalid('spec.policyTypes', types, 'may not specify more than two policyTypes')];
  types.forEach((t, i) => {
    if (!policyTypes.includes(t)) errs.push(notSupported(`spec.policyTypes[${i}]`, t, policyTypes));
  });
  return errs;
}
