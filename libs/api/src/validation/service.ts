/** Service, Endpoints and EndpointSlice validation (pkg/apis/core/validation, discovery/validation). */
import { checkDns1123Label, checkDns1123Subdomain, checkIP, checkPortName, checkPortNumber, checkQualifiedName, isIPv4, isIPv6 } from '../names.ts';
import { supportedProtocols } from './container.ts';
import { type FieldError, duplicate, forbidden, immutable, invalid, invalidEach, isObject, notSupported, required } from './field-error.ts';
import { validateLabels } from './meta.ts';

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const sessionAffinities = ['ClientIP', 'None'];
const trafficPolicies = ['Cluster', 'Local'];
const loadBalancerIPModes = ['Proxy', 'VIP'];

function validateServicePort(port: any, p: string, multiple: boolean, spec: any): FieldError[] {
  const errs: FieldError[] = [];
  if (multiple && !port.name) errs.push(required(`${p}.name`));
  else if (port.name) errs.push(...invalidEach(`${p}.name`, port.name, checkDns1123Label(String(port.name))));
  errs.push(...invalidEach(`${p}.port`, port.port ?? 0, checkPortNumber(port.port ?? 0)));
  if (!port.protocol) errs.push(required(`${p}.protocol`));
  else if (!supportedProtocols.includes(port.protocol)) errs.push(notSupported(`${p}.protocol`, port.protocol, supportedProtocols));
  const target = port.targetPort;
  if (typeof target === 'number') errs.push(...invalidEach(`${p}.targetPort`, target, checkPortNumber(target)));
  else if (typeof target === 'string') errs.push(...invalidEach(`${p}.targetPort`, target, checkPortName(target)));
  if (port.nodePort !== undefined && port.nodePort !== 0) {
    if (spec.type === 'ClusterIP' || spec.type === 'ExternalName') {
      errs.push(forbidden(`${p}.nodePort`, `may not be used when \`type\` is '${spec.type}'`));
    } else {
      errs.push(...invalidEach(`${p}.nodePort`, port.nodePort, checkPortNumber(port.nodePort)));
    }
  }
  return errs;
}

export function validateService(svc: any): FieldError[] {
  const spec = svc.spec;
  if (!isObject(spec)) return [required('spec')];
  const errs: FieldError[] = [];
  const type = spec.type ?? 'ClusterIP';
  if (!serviceTypes.includes(type)) errs.push(notSupported('spec.type', type, serviceTypes));
  const headless = spec.clusterIP === 'None';
  const ports: any[] = Array.isArray(spec.ports) ? spec.ports : [];
  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else errs.push(...invalidEach('spec.externalName', spec.externalName, checkDns1123Subdomain(String(spec.externalName).replace(/\.$/, ''))));
    if (spec.clusterIP && spec.clusterIP !== '') errs.push(forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
  } else if (ports.length === 0 && !headless) {
    errs.push(required('spec.ports'));
  }
  const seenNames = new Set<string>();
  const seenPorts = new Set<string>();
  const seenNodePorts = new Set<string>();
  ports.forEach((port, i) => {
    const p = `spec.ports[${i}]`;
    if (!isObject(port)) return void errs.push(invalid(p, port, 'must be an object'));
    errs.push(...validateServicePort(port, p, ports.length > 1, spec));
    if (port.name) {
      if (seenNames.has(port.name)) errs.push(duplicate(`${p}.name`, port.name));
      seenNames.add(port.name);
    }
    const key = `${port.port}/${port.protocol}`;
    if (seenPorts.has(key)) errs.push(duplicate(p, { port: port.port, protocol: port.protocol }));
    seenPorts.add(key);
    if (port.nodePort) {
      const nodeKey = `${port.nodePort}/${port.protocol}`;
      if (seenNodePorts.has(nodeKey)) errs.push(duplicate(`${p}.nodePort`, port.nodePort));
      seenNodePorts.add(nodeKey);
    }
  });
  if (spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIP !== 'None' && checkIP(String(spec.clusterIP)).length) {
    errs.push(invalid('spec.clusterIPs[0]', spec.clusterIP, "must be empty, 'None', or a valid IP address"));
  }
  if (Array.isArray(spec.clusterIPs) && spec.clusterIP !== undefined && spec.clusterIPs[0] !== undefined && spec.clusterIPs[0] !== spec.clusterIP) {
    errs.push(invalid('spec.clusterIPs', spec.clusterIPs, 'must be empty or the first value must match spec.clusterIP'));
  }
  if (spec.sessionAffinity !== undefined && !sessionAffinities.includes(spec.sessionAffinity)) {
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, sessionAffinities));
  }
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout <= 0 || timeout > 86400)) {
    errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, 'must be greater than 0 and less than 86400'));
  }
  if (spec.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy !== '') {
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      errs.push(invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    } else if (!trafficPolicies.includes(spec.externalTrafficPolicy)) {
      errs.push(notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, trafficPolicies));
    }
  }
  if (spec.internalTrafficPolicy !== undefined && !trafficPolicies.includes(spec.internalTrafficPolicy)) {
    errs.push(notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, trafficPolicies));
  }
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (Array.isArray(spec.externalIPs)) {
    spec.externalIPs.forEach((ip: string, i: number) => errs.push(...invalidEach(`spec.externalIPs[${i}]`, ip, checkIP(String(ip)))));
  }
  errs.push(...validateLoadBalancerFields(spec, type));
  return errs;
}

/** allocateLoadBalancerNodePorts, healthCheckNodePort and loadBalancerClass, as ValidateService words them. */
function validateLoadBalancerFields(spec: any, type: string): FieldError[] {
  const errs: FieldError[] = [];
  const isLoadBalancer = type === 'LoadBalancer';
  if (isLoadBalancer && spec.allocateLoadBalancerNodePorts === undefined) errs.push(required('spec.allocateLoadBalancerNodePorts'));
  if (!isLoadBalancer && spec.allocateLoadBalancerNodePorts !== undefined) {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  const hc = spec.healthCheckNodePort;
  if (hc !== undefined && hc !== 0) {
    if (!isLoadBalancer || spec.externalTrafficPolicy !== 'Local') {
      errs.push(invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    } else {
      errs.push(...invalidEach('spec.healthCheckNodePort', hc, checkPortNumber(hc)));
    }
  }
  if (spec.loadBalancerClass !== undefined) {
    if (!isLoadBalancer) errs.push(forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
    else errs.push(...invalidEach('spec.loadBalancerClass', spec.loadBalancerClass, checkQualifiedName(String(spec.loadBalancerClass))));
  }
  return errs;
}

/**
 * status.loadBalancer (ValidateLoadBalancerStatus): written by whoever implements the
 * load balancer, read by users and tools waiting for an address.
 */
function validateLoadBalancerStatus(status: any): FieldError[] {
  const errs: FieldError[] = [];
  const ingress: any[] = Array.isArray(status?.loadBalancer?.ingress) ? status.loadBalancer.ingress : [];
  ingress.forEach((ing, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    if (!isObject(ing)) return void errs.push(invalid(p, ing, 'must be an object'));
    if (ing.ip) errs.push(...invalidEach(`${p}.ip`, ing.ip, checkIP(String(ing.ip))));
    if (ing.ipMode === undefined) {
      if (ing.ip) errs.push(required(`${p}.ipMode`, 'must be specified when `ip` is set'));
    } else if (!ing.ip) {
      errs.push(forbidden(`${p}.ipMode`, 'may not be specified when `ip` is not set'));
    } else if (!loadBalancerIPModes.includes(ing.ipMode)) {
      errs.push(notSupported(`${p}.ipMode`, ing.ipMode, loadBalancerIPModes));
    }
    if (ing.hostname) {
      errs.push(...invalidEach(`${p}.hostname`, ing.hostname, checkDns1123Subdomain(String(ing.hostname))));
      if (checkIP(String(ing.hostname)).length === 0) errs.push(invalid(`${p}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

/**
 * A ClusterIP, once allocated, stays until the service becomes ExternalName; a
 * loadBalancerClass stays while the service remains a LoadBalancer (another implementation
 * would otherwise find a half-built load balancer); the status is checked on every write.
 */
export function validateServiceUpdate(svc: any, old: any): FieldError[] {
  const spec = svc.spec ?? {};
  const prev = old.spec ?? {};
  const errs = validateLoadBalancerStatus(svc.status);
  if (spec.type === 'LoadBalancer' && prev.type === 'LoadBalancer') {
    errs.push(...immutable('spec.loadBalancerClass', spec.loadBalancerClass, prev.loadBalancerClass));
  }
  if (!prev.clusterIP || spec.type === 'ExternalName') return errs;
  errs.push(...immutable('spec.clusterIP', spec.clusterIP ?? '', prev.clusterIP));
  return errs;
}

export function validateEndpoints(ep: any): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(ep.subsets) ? ep.subsets : []).forEach((subset: any, i: number) => {
    const p = `subsets[${i}]`;
    for (const list of ['addresses', 'notReadyAddresses']) {
      (subset?.[list] ?? []).forEach((a: any, j: number) => {
        errs.push(...invalidEach(`${p}.${list}[${j}].ip`, a?.ip ?? '', checkIP(String(a?.ip ?? ''))));
      });
    }
    (subset?.ports ?? []).forEach((port: any, j: number) => {
      const pp = `${p}.ports[${j}]`;
      if (port?.name) errs.push(...invalidEach(`${pp}.name`, port.name, checkDns1123Label(String(port.name))));
      errs.push(...invalidEach(`${pp}.port`, port?.port ?? 0, checkPortNumber(port?.port ?? 0)));
      if (!port?.protocol) errs.push(required(`${pp}.protocol`));
      else if (!supportedProtocols.includes(port.protocol)) errs.push(notSupported(`${pp}.protocol`, port.protocol, supportedProtocols));
    });
  });
  return errs;
}

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(slice: any): FieldError[] {
  const errs: FieldError[] = [];
  const type = slice.addressType;
  if (!type) errs.push(required('addressType'));
  else if (!addressTypes.includes(type)) errs.push(notSupported('addressType', type, addressTypes));
  (Array.isArray(slice.endpoints) ? slice.endpoints : []).forEach((ep: any, i: number) => {
    const p = `endpoints[${i}]`;
    const addresses: unknown[] = Array.isArray(ep?.addresses) ? ep.addresses : [];
    if (addresses.length === 0) errs.push(required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > 100) errs.push(invalid(`${p}.addresses`, addresses.length, 'must contain at most 100 addresses'));
    addresses.forEach((a, j) => {
      const s = String(a);
      const ap = `${p}.addresses[${j}]`;
      if (type === 'IPv4' && !isIPv4(s)) errs.push(invalid(ap, s, 'must be a valid IPv4 address'));
      if (type === 'IPv6' && !isIPv6(s)) errs.push(invalid(ap, s, 'must be a valid IPv6 address'));
      if (type === 'FQDN') errs.push(...invalidEach(ap, s, checkDns1123Subdomain(s)));
    });
    if (ep?.nodeName) errs.push(...invalidEach(`${p}.nodeName`, ep.nodeName, checkDns1123Subdomain(String(ep.nodeName))));
    if (ep?.hostname) errs.push(...invalidEach(`${p}.hostname`, ep.hostname, checkDns1123Label(String(ep.hostname))));
  });
  const names = new Set<string>();
  (Array.isArray(slice.ports) ? slice.ports : []).forEach((port: any, i: number) => {
    const p = `ports[${i}]`;
    const name = port?.name ?? '';
    if (name !== '') errs.push(...invalidEach(`${p}.name`, name, checkDns1123Label(String(name))));
    if (names.has(name)) errs.push(duplicate(`${p}.name`, name));
    names.add(name);
    if (port?.port !== undefined && port.port !== null) errs.push(...invalidEach(`${p}.port`, port.port, checkPortNumber(port.port)));
    if (!port?.protocol) errs.push(required(`${p}.protocol`));
    else if (!supportedProtocols.includes(port.protocol)) errs.push(notSupported(`${p}.protocol`, port.protocol, supportedProtocols));
  });
  return errs;
}

export function validateEndpointSliceUpdate(slice: any, old: any): FieldError[] {
  return immutable('addressType', slice.addressType, old.addressType);
}
