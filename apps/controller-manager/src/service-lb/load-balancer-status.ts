/**
 * The pure half of the service-lb controller: which Services are ours, which nodes can
 * serve one, and the status.loadBalancer.ingress that follows. As k3s' ServiceLB does on
 * bare metal, a LoadBalancer's addresses are the InternalIPs of the nodes that accept its
 * traffic (kube-proxy answers on those addresses for the service port).
 */
import { compareIpv4, isNodeReady, nodeAddress, type EndpointSlice, type Node, type Service } from '@skiff/api';

export type LoadBalancerIngress = NonNullable<NonNullable<NonNullable<Service['status']>['loadBalancer']>['ingress']>[number];

/** Upstream's finalizer: the load balancer (here: our status) is released before the Service goes. */
export const LOAD_BALANCER_CLEANUP_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
/** Upstream's label for nodes that must not receive load-balancer traffic. */
export const EXCLUDE_FROM_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** A LoadBalancer with no loadBalancerClass is ours; a class names another implementation. */
export function wantsLoadBalancer(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && !svc.spec.loadBalancerClass;
}

export function hasCleanupFinalizer(svc: Service): boolean {
  return (svc.metadata?.finalizers ?? []).includes(LOAD_BALANCER_CLEANUP_FINALIZER);
}

/**
 * Upstream's needsCleanup: we hold the finalizer but the Service is going, no longer a
 * LoadBalancer, or now names a class.
 */
export function needsCleanup(svc: Service): boolean {
  return hasCleanupFinalizer(svc) && (Boolean(svc.metadata?.deletionTimestamp) || !wantsLoadBalancer(svc));
}

/** The node's InternalIP when it is Ready, schedulable and not excluded from load balancers. */
export function servingAddressOf(node: Node): string | undefined {
  if (node.metadata?.deletionTimestamp || node.spec?.unschedulable) return undefined;
  if (node.metadata?.labels?.[EXCLUDE_FROM_LB_LABEL] !== undefined) return undefined;
  return isNodeReady(node) ? nodeAddress(node, 'InternalIP') : undefined;
}

/** Names of the nodes holding a ready endpoint of the service (nil ready means ready, as consumers read it). */
export function nodesWithReadyEndpoints(slices: readonly EndpointSlice[]): Set<string> {
  const out = new Set<string>();
  for (const slice of slices) {
    for (const ep of slice.endpoints ?? []) if (ep.nodeName && ep.conditions?.ready !== false) out.add(ep.nodeName);
  }
  return out;
}

/**
 * The ingress for a Service we serve: every serving node for externalTrafficPolicy Cluster
 * (kube-proxy forwards from any node), only those with a local ready endpoint for Local
 * (the others drop the traffic). Sorted by address so the status is stable across syncs.
 */
export function desiredIngress(svc: Service, nodes: readonly Node[], slices: readonly EndpointSlice[]): LoadBalancerIngress[] {
  const local = svc.spec?.externalTrafficPolicy === 'Local' ? nodesWithReadyEndpoints(slices) : undefined;
  const ips = new Set<string>();
  for (const node of nodes) {
    if (local && !local.has(node.metadata?.name ?? '')) continue;
    const ip = servingAddressOf(node);
    if (ip) ips.add(ip);
  }
  return [...ips].sort(compareIpv4).map((ip) => ({ ip, ipMode: 'VIP' }));
}

/** Upstream's LoadBalancerStatusEqual, for the ingress list: order counts, as it is written sorted. */
export function sameIngress(a: readonly LoadBalancerIngress[] | undefined, b: readonly LoadBalancerIngress[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return (
    x.length === y.length && x.every((ing, i) => ing.ip === y[i]!.ip && ing.hostname === y[i]!.hostname && (ing.ipMode ?? 'VIP') === (y[i]!.ipMode ?? 'VIP'))
  );
}
