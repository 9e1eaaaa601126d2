/** Where every node's DNS server listens and pods send their queries (see README.md). */
export const NODE_LOCAL_DNS_IP = '169.254.20.10';

/**
 * The resolv.conf the kubelet gives a pod with dnsPolicy ClusterFirst: our server, the
 * namespace-first search path, and ndots:5 so that `web` and `web.default` (fewer than
 * five dots) are tried against the search path before being sent out as they are.
 */
export function renderPodResolvConf(namespace: string, clusterDomain = 'cluster.local', nameserver = NODE_LOCAL_DNS_IP): string {
  return [`nameserver ${nameserver}`, `search ${namespace}.svc.${clusterDomain} svc.${clusterDomain} ${clusterDomain}`, 'options ndots:5', ''].join('\n');
}
