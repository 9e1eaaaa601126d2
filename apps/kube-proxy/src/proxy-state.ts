/**
 * What the proxier knows about the cluster, reduced to what the rules need. Built from
 * informer caches by `buildProxyState` and rendered by the pure `renderRules`.
 */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ProxyServicePort {
  /** The port's name; '' for a single unnamed port. */
  name: string;
  protocol: Protocol;
  port: number;
  nodePort?: number;
}

export interface ProxyService {
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  /** Absent or 'None' for headless services: they get no rules. */
  clusterIP?: string;
  ports: ProxyServicePort[];
  externalIPs?: string[];
  /** status.loadBalancer.ingress[].ip: accepted like external IPs, whatever --allow-external-ips says. */
  loadBalancerIPs?: string[];
  /** For externalTrafficPolicy Local load balancers: where kube-proxy serves the health check. */
  healthCheckNodePort?: number;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  sessionAffinity?: 'None' | 'ClientIP';
  /** Defaults to 10800 s, like Kubernetes. */
  sessionAffinityTimeoutSeconds?: number;
}

export interface ProxyEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  nodeName?: string;
  /** True when the endpoint runs on this proxy's node (externalTrafficPolicy: Local). */
  local: boolean;
}

export interface ProxyOptions {
  /**
   * CIDRs: only local addresses inside one of them accept NodePort traffic; 'primary': only
   * the Node's InternalIP. Empty: every local address but loopback (kube-proxy's default).
   */
  nodePortAddresses?: string[];
  /** Whether spec.externalIPs are honoured (they let a user capture any address). */
  allowExternalIPs?: boolean;
}

export interface ProxyState {
  services: ProxyService[];
  /** Endpoints keyed by `servicePortKey(ns, name, portName)`. */
  endpoints: Record<string, ProxyEndpoint[]>;
  /** This node's InternalIPs: where NodePorts answer with --nodeport-addresses=primary. */
  nodeAddresses: string[];
  /** Pod CIDR of the cluster: traffic to a ClusterIP from outside it is masqueraded. */
  clusterCIDR?: string;
  options?: ProxyOptions;
  /** Chains this proxier wrote last time, per table: those no longer needed are deleted. */
  previousChains?: { nat: string[]; filter: string[] };
}

/** 'default/web:http' — Kubernetes' ServicePortName string, the key of everything per port. */
export function servicePortKey(namespace: string, name: string, portName: string): string {
  return `${namespace}/${name}:${portName}`;
}

export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;
