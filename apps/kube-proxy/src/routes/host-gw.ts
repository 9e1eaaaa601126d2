/**
 * host-gw pod routing (DESIGN.md §3, as flannel's host-gw backend): every node routes every
 * other node's pod CIDR via that node's InternalIP. Pure planning here; route-table.ts talks
 * to the kernel.
 *
 * Our routes carry routing protocol number 211 ("skiff" — add `211 skiff` to
 * /etc/iproute2/rt_protos.d/ to see the name in `ip route`). The number is how we find the
 * routes we own: a route without it is never read back as ours, changed or deleted.
 */
import type { Node } from '@skiff/api';

export const ROUTE_PROTO = 211;

export interface PodRoute {
  /** The other node's pod CIDR, e.g. 10.244.2.0/24. */
  dst: string;
  /** That node's InternalIP. */
  via: string;
  /** The node it leads to, for logs. */
  node?: string;
}

const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

/** Whether `cidr` lies inside `outer` (both IPv4 CIDRs). */
export function cidrWithin(cidr: string, outer: string): boolean {
  const bits = Number(cidr.split('/')[1]);
  const outerBits = Number(outer.split('/')[1]);
  return bits >= outerBits && normalizeCIDR(`${cidr.split('/')[0]}/${outerBits}`) === normalizeCIDR(outer);
}

/**
 * The routes this node should have: one per other node with an IPv4 podCIDR and InternalIP.
 * With the cluster CIDR known, only pod ranges inside it: a Node claiming another range
 * (10.0.0.0/8, the apiserver's subnet...) never pulls that traffic to itself.
 */
export function desiredRoutes(nodes: readonly Node[], ownNodeName: string, clusterCIDR?: string): PodRoute[] {
  const own = nodes.find((n) => n.metadata?.name === ownNodeName);
  const ownCIDRs = new Set(podCIDRsOf(own));
  const byDst = new Map<string, PodRoute>();
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    if (name === ownNodeName || node.metadata?.deletionTimestamp) continue;
    const via = (node.status?.addresses ?? []).find((a) => a.type === 'InternalIP' && IPV4.test(a.address))?.address;
    if (!via) continue;
    for (const dst of podCIDRsOf(node)) {
      // Our own CIDR is on the local bridge; a second claim on a CIDR is a conflict: first name wins.
      if (ownCIDRs.has(dst) || (clusterCIDR && !cidrWithin(dst, clusterCIDR))) continue;
      const seen = byDst.get(dst);
      if (!seen || (seen.node ?? '') > name) byDst.set(dst, { dst, via, node: name });
    }
  }
  return [...byDst.values()].sort((a, b) => compare(a.dst, b.dst));
}

function podCIDRsOf(node: Node | undefined): string[] {
  if (!node?.spec) return [];
  const all = [...(node.spec.podCIDRs ?? []), ...(node.spec.podCIDR ? [node.spec.podCIDR] : [])];
  return [...new Set(all.filter((c) => IPV4_CIDR.test(c)).map(normalizeCIDR))];
}

/** 10.244.1.7/24 → 10.244.1.0/24, the form `ip route` prints. */
export function normalizeCIDR(cidr: string): string {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const n = base!.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  const size = 2 ** (32 - bits);
  const net = Math.floor(n / size) * size;
  return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.')}/${bits}`;
}

/**
 * Our routes as `ip -4 route show proto 211` prints them: "10.244.2.0/24 via 10.0.0.12 dev eth0".
 * A /32 prints without its length.
 */
export function parseRouteList(text: string): PodRoute[] {
  const out: PodRoute[] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (!words[0]) continue;
    const viaAt = words.indexOf('via');
    const dst = words[0].includes('/') ? words[0] : `${words[0]}/32`;
    out.push({ dst, via: viaAt >= 0 ? (words[viaAt + 1] ?? '') : '' });
  }
  return out;
}

/**
 * `ip -batch` lines turning `current` (ours, read from the kernel) into `desired`: deletes
 * for routes of nodes that left or moved, replaces for new or changed ones. Unchanged routes
 * produce no line, so a steady state is an empty batch.
 */
export function planRouteBatch(current: readonly PodRoute[], desired: readonly PodRoute[]): string[] {
  const want = new Map(desired.map((r) => [r.dst, r]));
  const have = new Map(current.map((r) => [r.dst, r]));
  const lines: string[] = [];
  for (const r of [...have.values()].sort((a, b) => compare(a.dst, b.dst))) {
    if (!want.has(r.dst)) lines.push(`route del ${r.dst} proto ${ROUTE_PROTO}`);
  }
  for (const r of want.values()) {
    if (have.get(r.dst)?.via === r.via) continue;
    lines.push(`route replace ${r.dst} via ${r.via} proto ${ROUTE_PROTO}`);
  }
  return lines;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
