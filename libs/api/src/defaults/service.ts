/** Service, Endpoints and EndpointSlice defaults (SetDefaults_Service and the service REST's own). */

export function defaultService(svc: any): void {
  svc.spec ??= {};
  const spec = svc.spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.sessionAffinity === 'ClientIP') {
    spec.sessionAffinityConfig ??= {};
    spec.sessionAffinityConfig.clientIP ??= {};
    spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
  for (const port of spec.ports ?? []) {
    if (!port || typeof port !== 'object') continue;
    port.protocol ??= 'TCP';
    // targetPort defaults to the service port (an int, or 0 meaning unset).
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') {
    spec.allocateLoadBalancerNodePorts ??= true;
    // LoadBalancerIPMode (GA in 1.32): an address without a mode is a VIP the nodes accept.
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing && typeof ing === 'object' && ing.ip && !ing.ipMode) ing.ipMode = 'VIP';
  }
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ??= 'Cluster';
    // Single-stack IPv4 cluster: the service REST fills these in Kubernetes.
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.ipFamilies ??= ['IPv4'];
    if (spec.clusterIP && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
    if (!spec.clusterIP && Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0) spec.clusterIP = spec.clusterIPs[0];
  }
}

export function defaultEndpoints(ep: any): void {
  for (const subset of ep.subsets ?? []) {
    for (const port of subset?.ports ?? []) if (port) port.protocol ??= 'TCP';
  }
}

export function defaultEndpointSlice(slice: any): void {
  for (const port of slice.ports ?? []) {
    if (!port) continue;
    port.protocol ??= 'TCP';
    port.name ??= '';
  }
}
