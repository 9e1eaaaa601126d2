import { compareIpv4, ipv4InCidr, parseIpv4 } from '@skiff/api';
import { CHAIN_PREFIX, endpointChainName, externalChainName, localChainName, serviceChainName } from './chain-names.ts';
import {
  DEFAULT_AFFINITY_TIMEOUT_SECONDS,
  servicePortKey,
  type ProxyEndpoint,
  type ProxyService,
  type ProxyServicePort,
  type ProxyState,
} from './proxy-state.ts';

/** Fixed chains; the built-in chains jump to them (see iptables.ts). */
export const SERVICES_CHAIN = 'SKIFF-SERVICES';
export const NODEPORTS_CHAIN = 'SKIFF-NODEPORTS';
export const POSTROUTING_CHAIN = 'SKIFF-POSTROUTING';
export const MARK_MASQ_CHAIN = 'SKIFF-MARK-MASQ';
export const FORWARD_CHAIN = 'SKIFF-FORWARD';
/** The bit kube-proxy uses to say "masquerade this packet on its way out". */
export const MASQ_MARK = '0x4000';

/** The chains a render declares, per table: kept by the proxier to delete stale ones later. */
export interface RenderedChains {
  nat: string[];
  filter: string[];
}

/** One table being written: chain declarations first, then rules, like iptables-save. */
class TableWriter {
  readonly chains: string[] = [];
  readonly rules: string[] = [];
  readonly #declared = new Set<string>();

  declare(chain: string): void {
    if (this.#declared.has(chain)) return;
    this.#declared.add(chain);
    this.chains.push(chain);
  }

  add(chain: string, ...args: string[]): void {
    this.rules.push(`-A ${chain} ${args.join(' ')}`);
  }

  /** `*nat` … COMMIT; stale SKIFF- chains are declared (flushed) and then deleted. */
  render(table: string, previous: string[]): string {
    const stale = previous.filter((c) => c.startsWith(CHAIN_PREFIX) && !this.#declared.has(c)).sort();
    const lines = [`*${table}`];
    for (const c of [...this.chains, ...stale]) lines.push(`:${c} - [0:0]`);
    lines.push(...this.rules);
    for (const c of stale) lines.push(`-X ${c}`);
    lines.push('COMMIT');
    return lines.join('\n') + '\n';
  }
}

/**
 * The whole `iptables-restore --noflush` payload for the nat and filter tables. Pure and
 * deterministic: the same state gives the same bytes, so the applier can skip unchanged
 * syncs. Declaring a chain in --noflush mode flushes it, so every SKIFF- chain we still
 * need is rewritten whole, and chains we owned before but no longer need are deleted.
 */
export function renderRules(state: ProxyState): string {
  return renderRulesWithChains(state).payload;
}

export function renderRulesWithChains(state: ProxyState): { payload: string; chains: RenderedChains } {
  const nat = new TableWriter();
  const filter = new TableWriter();
  writeFixedChains(nat, filter, state);

  const services = [...state.services].sort((a, b) => compareStrings(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const ports = [...svc.ports].sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.protocol, b.protocol));
    for (const port of ports) writeServicePort(nat, filter, state, svc, port);
  }
  writeNodePortJumps(nat, state);

  const previous = state.previousChains ?? { nat: [], filter: [] };
  const payload = filter.render('filter', previous.filter) + nat.render('nat', previous.nat);
  return { payload, chains: { nat: [...nat.chains], filter: [...filter.chains] } };
}

function writeFixedChains(nat: TableWriter, filter: TableWriter, state: ProxyState): void {
  filter.declare(SERVICES_CHAIN);
  filter.declare(FORWARD_CHAIN);
  // Conntrack-invalid packets would otherwise be un-NATed and leak pod addresses.
  filter.add(FORWARD_CHAIN, '-m conntrack --ctstate INVALID -j DROP');
  // Service rejects (no endpoints) and drops (no local endpoints) must come before the accepts below:
  // this chain may sit in DOCKER-USER, which Docker puts ahead of everything else in FORWARD.
  filter.add(FORWARD_CHAIN, `-m conntrack --ctstate NEW -m comment --comment "skiff service rejects" -j ${SERVICES_CHAIN}`);
  filter.add(FORWARD_CHAIN, `-m comment --comment "skiff forwarding rules" -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`);
  if (state.clusterCIDR) {
    filter.add(FORWARD_CHAIN, `-s ${state.clusterCIDR} -m comment --comment "skiff forwarding from the cluster CIDR" -j ACCEPT`);
    filter.add(FORWARD_CHAIN, `-d ${state.clusterCIDR} -m comment --comment "skiff forwarding to the cluster CIDR" -j ACCEPT`);
  }

  nat.declare(SERVICES_CHAIN);
  nat.declare(NODEPORTS_CHAIN);
  nat.declare(POSTROUTING_CHAIN);
  nat.declare(MARK_MASQ_CHAIN);
  if (state.clusterCIDR) {
    // Pods reaching beyond the cluster (the internet, a node address) leave as the node; pod-to-pod
    // traffic, including to another node's pod CIDR and to this node's own pod bridge (both inside
    // the cluster CIDR), keeps its source. Docker's own masquerade is off for the pod network.
    nat.add(
      POSTROUTING_CHAIN,
      `-s ${state.clusterCIDR} ! -d ${state.clusterCIDR} -m comment --comment "skiff pod traffic leaving the cluster CIDR" -j MASQUERADE`,
    );
  }
  nat.add(POSTROUTING_CHAIN, `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  // Clear the mark so a re-traversal (e.g. after IPsec) does not masquerade twice.
  nat.add(POSTROUTING_CHAIN, `-j MARK --xor-mark ${MASQ_MARK}`);
  nat.add(POSTROUTING_CHAIN, '-m comment --comment "skiff service traffic requiring SNAT" -j MASQUERADE');
  nat.add(MARK_MASQ_CHAIN, `-j MARK --or-mark ${MASQ_MARK}`);
}

function writeServicePort(nat: TableWriter, filter: TableWriter, state: ProxyState, svc: ProxyService, port: ProxyServicePort): void {
  const key = servicePortKey(svc.namespace, svc.name, port.name);
  const proto = port.protocol.toLowerCase();
  const match = (dport: number) => `-p ${proto} -m ${proto} --dport ${dport}`;
  const all = (state.endpoints[key] ?? []).filter((e) => e.ready).sort(compareEndpoints);
  const external = externalDestinations(state, svc);
  const nodePort = svc.type === 'NodePort' || svc.type === 'LoadBalancer' ? port.nodePort : undefined;
  const comment = `-m comment --comment "${key}`;

  if (all.length === 0) {
    // No endpoint: refuse at once instead of letting clients time out.
    const reject = '-j REJECT --reject-with icmp-port-unreachable';
    filter.add(SERVICES_CHAIN, `${comment} has no endpoints" -d ${svc.clusterIP}/32 ${match(port.port)} ${reject}`);
    for (const { ip } of external) filter.add(SERVICES_CHAIN, `${comment} has no endpoints" -d ${ip}/32 ${match(port.port)} ${reject}`);
    if (nodePort) filter.add(SERVICES_CHAIN, `${comment} has no endpoints" -m addrtype --dst-type LOCAL ${match(nodePort)} ${reject}`);
    return;
  }

  const svcChain = serviceChainName(key, port.protocol);
  nat.declare(svcChain);
  nat.add(SERVICES_CHAIN, `${comment} cluster IP" -d ${svc.clusterIP}/32 ${match(port.port)} -j ${svcChain}`);
  if (state.clusterCIDR) {
    // From outside the pod network (the node itself, another host): replies must come back through us.
    nat.add(svcChain, `${comment} cluster IP" ! -s ${state.clusterCIDR} -d ${svc.clusterIP}/32 ${match(port.port)} -j ${MARK_MASQ_CHAIN}`);
  }
  const sepChains = all.map((e) => endpointChainName(key, port.protocol, `${e.ip}:${e.port}`));
  const affinity = svc.sessionAffinity === 'ClientIP' ? (svc.sessionAffinityTimeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS) : undefined;
  writeBalancing(nat, svcChain, key, sepChains, affinity);
  all.forEach((e, i) => writeEndpointChain(nat, sepChains[i]!, key, proto, e, affinity));

  if (!nodePort && external.length === 0) return;
  const externalChain = writeExternalChain(nat, filter, state, svc, port, key, svcChain, all, affinity);
  for (const { ip, what } of external) nat.add(SERVICES_CHAIN, `${comment} ${what}" -d ${ip}/32 ${match(port.port)} -j ${externalChain}`);
  if (nodePort) nat.add(NODEPORTS_CHAIN, `${comment}" ${match(nodePort)} -j ${externalChain}`);
}

/**
 * Addresses outside the cluster that lead to the service port: spec.externalIPs when
 * --allow-external-ips (they let a user capture any address), and the load balancer's
 * addresses always (only a load balancer implementation writes status, and on bare metal
 * they are the nodes' own). Both then behave like a NodePort: masquerade for Cluster, only
 * local endpoints for Local.
 */
function externalDestinations(state: ProxyState, svc: ProxyService): { ip: string; what: string }[] {
  const externalIPs = state.options?.allowExternalIPs ? (svc.externalIPs ?? []) : [];
  const out = new Map<string, string>();
  for (const ip of [...externalIPs].sort()) out.set(ip, 'external IP');
  for (const ip of [...(svc.loadBalancerIPs ?? [])].sort()) if (!out.has(ip)) out.set(ip, 'loadbalancer IP');
  return [...out].map(([ip, what]) => ({ ip, what }));
}

/**
 * Random spread: endpoint i of n is taken with probability 1/(n−i) among the packets that
 * skipped the i before it, so each gets 1/n overall. For 3: 1/3, then 1/2 of the remaining
 * 2/3 (= 1/3), then the last one unconditionally. With ClientIP affinity, a client seen
 * recently goes straight back to its endpoint first.
 */
function writeBalancing(nat: TableWriter, chain: string, key: string, sepChains: string[], affinity: number | undefined): void {
  if (affinity !== undefined) {
    for (const sep of sepChains) {
      nat.add(chain, `-m comment --comment "${key}" -m recent --name ${sep} --mask 255.255.255.255 --rsource --rcheck --seconds ${affinity} --reap -j ${sep}`);
    }
  }
  const n = sepChains.length;
  sepChains.forEach((sep, i) => {
    const statistic = i < n - 1 ? ` -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)}` : '';
    nat.add(chain, `-m comment --comment "${key} -> ${sep}"${statistic} -j ${sep}`);
  });
}

function writeEndpointChain(nat: TableWriter, chain: string, key: string, proto: string, e: ProxyEndpoint, affinity: number | undefined): void {
  nat.declare(chain);
  // Hairpin: a pod reaching itself through the service must see the node as the source.
  nat.add(chain, `-m comment --comment "${key}" -s ${e.ip}/32 -j ${MARK_MASQ_CHAIN}`);
  const recent = affinity !== undefined ? ` -m recent --name ${chain} --mask 255.255.255.255 --rsource --set` : '';
  nat.add(chain, `-m comment --comment "${key}" -p ${proto}${recent} -m ${proto} -j DNAT --to-destination ${e.ip}:${e.port}`);
}

/**
 * NodePort / external IP entry. Cluster policy: masquerade (the reply must return through
 * this node) and go to any endpoint. Local policy: keep the client's source and use only
 * this node's endpoints; with none, the filter table drops external traffic, while pods
 * and the node itself still reach the service through every endpoint.
 */
function writeExternalChain(
  nat: TableWriter,
  filter: TableWriter,
  state: ProxyState,
  svc: ProxyService,
  port: ProxyServicePort,
  key: string,
  svcChain: string,
  all: ProxyEndpoint[],
  affinity: number | undefined,
): string {
  if (svc.externalTrafficPolicy !== 'Local') {
    const chain = externalChainName(key, port.protocol);
    nat.declare(chain);
    nat.add(chain, `-m comment --comment "masquerade traffic for ${key} external destinations" -j ${MARK_MASQ_CHAIN}`);
    nat.add(chain, `-j ${svcChain}`);
    return chain;
  }
  const chain = localChainName(key, port.protocol);
  nat.declare(chain);
  if (state.clusterCIDR) {
    nat.add(chain, `-m comment --comment "pod traffic for ${key} external destinations" -s ${state.clusterCIDR} -j ${svcChain}`);
  }
  nat.add(chain, `-m comment --comment "masquerade LOCAL traffic for ${key} external destinations" -m addrtype --src-type LOCAL -j ${MARK_MASQ_CHAIN}`);
  nat.add(chain, `-m comment --comment "route LOCAL traffic for ${key} external destinations" -m addrtype --src-type LOCAL -j ${svcChain}`);
  const local = all.filter((e) => e.local);
  if (local.length === 0) {
    const proto = port.protocol.toLowerCase();
    const drop = `-m comment --comment "${key} has no local endpoints"`;
    for (const { ip } of externalDestinations(state, svc)) {
      filter.add(SERVICES_CHAIN, `${drop} -d ${ip}/32 -p ${proto} -m ${proto} --dport ${port.port} -j DROP`);
    }
    if (port.nodePort && svc.type !== 'ClusterIP') {
      filter.add(SERVICES_CHAIN, `${drop} -m addrtype --dst-type LOCAL -p ${proto} -m ${proto} --dport ${port.nodePort} -j DROP`);
    }
    return chain;
  }
  const sepChains = local.map((e) => endpointChainName(key, port.protocol, `${e.ip}:${e.port}`));
  writeBalancing(nat, chain, key, sepChains, affinity);
  return chain;
}

/**
 * Which destinations reach the NodePorts, as kube-proxy's --nodeport-addresses: by default
 * every local address of the node (wired, wireless, VPN, a second address) except loopback
 * (exposing them on 127.0.0.1 let neighbours on the LAN reach them, CVE-2020-8558); CIDRs
 * keep the local addresses inside them; 'primary' only the Node's InternalIP. Written last
 * so the ClusterIP rules match first.
 */
function writeNodePortJumps(nat: TableWriter, state: ProxyState): void {
  const comment = '-m comment --comment "skiff service nodeports; NOTE: this must be the last rule in this chain"';
  const allowed = state.options?.nodePortAddresses ?? [];
  if (allowed.length === 0) {
    nat.add(SERVICES_CHAIN, `${comment} ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j ${NODEPORTS_CHAIN}`);
    return;
  }
  const destinations = new Set<string>();
  for (const entry of allowed) {
    if (entry === 'primary') {
      // Before the Node reports its InternalIP there is no primary address: no NodePort answers yet.
      for (const a of state.nodeAddresses) if (parseIpv4(a) !== undefined && !a.startsWith('127.')) destinations.add(`${a}/32`);
    } else {
      destinations.add(entry);
    }
  }
  for (const d of [...destinations].sort(compareStrings)) {
    const loopback = d.startsWith('127.') || ipv4InCidr('127.0.0.1', d) ? ' ! -d 127.0.0.0/8' : '';
    nat.add(SERVICES_CHAIN, `${comment} -d ${d}${loopback} -m addrtype --dst-type LOCAL -j ${NODEPORTS_CHAIN}`);
  }
}

function hasClusterIP(svc: ProxyService): boolean {
  return svc.type !== 'ExternalName' && !!svc.clusterIP && svc.clusterIP !== 'None';
}

function compareEndpoints(a: ProxyEndpoint, b: ProxyEndpoint): number {
  return compareIpv4(a.ip, b.ip) || a.port - b.port;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
