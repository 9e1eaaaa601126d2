/**
 * What the kubelet publishes for a pod on the pod network: every container port with a
 * `hostPort`, as the CRI's PortMapping list the CNI portmap plugin receives. Host-network pods
 * publish nothing (their containers bind the node's ports themselves).
 */
import { isIPv4 } from 'node:net';
import type { Pod } from '@skiff/api';

export type HostPortProtocol = 'tcp' | 'udp' | 'sctp';

export interface PortMapping {
  /** `namespace/name`, for rule comments and logs. */
  pod: string;
  podUid: string;
  podIP: string;
  protocol: HostPortProtocol;
  hostPort: number;
  containerPort: number;
  /** Empty: every local address of the node (the wildcard 0.0.0.0 means the same). */
  hostIP: string;
}

/** Whether the pod asks for any hostPort that the kubelet has to publish. */
export function wantsHostPorts(pod: Pod): boolean {
  if (pod.spec?.hostNetwork) return false;
  return (pod.spec?.containers ?? []).some((c) => (c.ports ?? []).some((p) => (p.hostPort ?? 0) > 0));
}

/**
 * The pod's mappings at `podIP`. An IPv6 hostIP is skipped (the rules are IPv4 iptables; the
 * pod network is IPv4): `skipped` says which, for a warning.
 */
export function getPortMappings(pod: Pod, podIP: string): { mappings: PortMapping[]; skipped: string[] } {
  const mappings: PortMapping[] = [];
  const skipped: string[] = [];
  if (!wantsHostPorts(pod) || !isIPv4(podIP)) return { mappings, skipped };
  const ref = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const protocol = (p.protocol ?? 'TCP').toLowerCase() as HostPortProtocol;
      const hostIP = p.hostIP === '0.0.0.0' ? '' : (p.hostIP ?? '');
      if (hostIP && !isIPv4(hostIP)) {
        skipped.push(`${protocol}/${p.hostPort} on ${hostIP}`);
        continue;
      }
      mappings.push({ pod: ref, podUid: pod.metadata?.uid ?? '', podIP, protocol, hostPort: p.hostPort, containerPort: p.containerPort, hostIP });
    }
  }
  return { mappings, skipped };
}

/** `hostIP|protocol/hostPort`: what a client addresses; two mappings with one key collide. */
export function hostPortKey(m: Pick<PortMapping, 'hostIP' | 'protocol' | 'hostPort'>): string {
  return `${m.hostIP}|${m.protocol}/${m.hostPort}`;
}
