/**
 * The hostPort rules as one `iptables-restore --noflush` payload for the nat table, shaped after
 * the CNI portmap plugin: a top chain reached from PREROUTING and OUTPUT for local destinations,
 * one chain per pod holding its DNATs, and a masquerade mark for hairpin traffic. Pure and
 * deterministic, so the applier skips a sync whose payload did not change.
 *
 * Names start with SKIFFHP-, never SKIFF-: kube-proxy's --cleanup deletes every SKIFF- chain, and
 * these belong to the kubelet.
 */
import { chainHash } from '@skiff/netfilter';
import type { PortMapping } from './port-mappings.ts';

export const CHAIN_PREFIX = 'SKIFFHP-';
/** Jumped to from nat PREROUTING and OUTPUT for packets to a local address. */
export const DNAT_CHAIN = 'SKIFFHP-DNAT';
export const MARK_MASQ_CHAIN = 'SKIFFHP-MARK-MASQ';
/** Jumped to from nat POSTROUTING. */
export const POSTROUTING_CHAIN = 'SKIFFHP-POSTROUTING';
/** portmap's bit (kube-proxy's is 0x4000): the two never clear each other's. */
export const MASQ_MARK = '0x2000';

export interface HostPortState {
  mappings: readonly PortMapping[];
  /**
   * The node's pod CIDR. A pod on this node reaching a hostPort through a node address (its own:
   * hairpin, or a neighbour's) is masqueraded, so the answer comes back through the node and is
   * un-NATed there instead of going straight over the bridge to a client that expects the node's
   * address. Unknown: only the pod reaching itself is (portmap's hairpin rule).
   */
  podCidr?: string;
  /** SKIFFHP- chains present before this sync: those no longer rendered are deleted. */
  previousChains?: readonly string[];
}

/** `SKIFFHP-DN-` + 16 hex digits of sha256(pod uid): 27 characters, under iptables' 28. */
export function podChainName(podUid: string): string {
  return `${CHAIN_PREFIX}DN-${chainHash(podUid, 'hex', 16)}`;
}

export function renderHostPortRules(state: HostPortState): { payload: string; chains: string[] } {
  const chains = [DNAT_CHAIN, MARK_MASQ_CHAIN, POSTROUTING_CHAIN];
  const rules: string[] = [
    `-A ${MARK_MASQ_CHAIN} -j MARK --set-xmark ${MASQ_MARK}/${MASQ_MARK}`,
    `-A ${POSTROUTING_CHAIN} -m comment --comment "skiff hostport hairpin" -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j MASQUERADE`,
  ];
  const sorted = [...state.mappings].sort(compareMappings);
  for (const m of sorted) {
    const chain = podChainName(m.podUid);
    if (!chains.includes(chain)) chains.push(chain);
    const match = `-p ${m.protocol} -m ${m.protocol} --dport ${m.hostPort}${m.hostIP ? ` -d ${m.hostIP}/32` : ''}`;
    const comment = `-m comment --comment "${m.pod} hostPort ${m.hostPort}/${m.protocol}"`;
    const source = state.podCidr || `${m.podIP}/32`;
    rules.push(
      `-A ${DNAT_CHAIN} ${comment} ${match} -j ${chain}`,
      `-A ${chain} ${comment} ${match} -s ${source} -j ${MARK_MASQ_CHAIN}`,
      `-A ${chain} ${comment} ${match} -j DNAT --to-destination ${m.podIP}:${m.containerPort}`,
    );
  }
  const stale = [...new Set(state.previousChains ?? [])].filter((c) => c.startsWith(CHAIN_PREFIX) && !chains.includes(c)).sort();
  // Declaring a chain in --noflush mode flushes it: every chain we keep is rewritten whole, and a
  // stale one must be flushed (declared) before it can be deleted.
  const lines = ['*nat', ...[...chains, ...stale].map((c) => `:${c} - [0:0]`), ...rules, ...stale.map((c) => `-X ${c}`), 'COMMIT'];
  return { payload: lines.join('\n') + '\n', chains };
}

function compareMappings(a: PortMapping, b: PortMapping): number {
  return cmp(a.pod, b.pod) || cmp(a.podUid, b.podUid) || cmp(a.protocol, b.protocol) || a.hostPort - b.hostPort || cmp(a.hostIP, b.hostIP);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
