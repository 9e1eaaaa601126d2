import type { NodeInfo } from '../cache.ts';
import type { PodInfo } from '../pod-info.ts';
import type { FilterResult } from './filter.ts';

export const REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";
const CONFLICT = [REASON_NODE_PORTS] as const;

function isWildcard(ip: string): boolean {
  return ip === '' || ip === '0.0.0.0' || ip === '::';
}

/** kube's NodePorts: same protocol and port on overlapping host IPs (a wildcard overlaps all). */
export function filterNodePorts(pod: PodInfo, node: NodeInfo): FilterResult {
  if (pod.hostPorts.length === 0 || node.usedPorts.size === 0) return undefined;
  for (const p of pod.hostPorts) {
    const ips = node.usedPorts.get(`${p.protocol}/${p.port}`);
    if (!ips) continue;
    for (const ip of ips) {
      if (isWildcard(ip) || isWildcard(p.hostIP) || ip === p.hostIP) return CONFLICT;
    }
  }
  return undefined;
}
