/**
 * Kubernetes NetworkPolicy semantics, purely: from the cluster's pods, namespaces and policies,
 * which pods on this node are isolated in which direction and what each policy lets through.
 * The renderer (render-rules.ts) turns the result into iptables rules.
 */
import {
  formatCidr,
  fromLabelSelector,
  parseIpv4,
  parseIpv4Cidr,
  subtractCidrs,
  type LabelSelector,
  type Namespace,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Pod,
  type Selector,
} from '@skiff/api';
import type { Allow, PodPlan, PolicyRules, PortMatch } from './policy-plan.ts';

export interface PolicyWorld {
  nodeName: string;
  /** Every pod of the cluster: peers are matched by labels wherever they run. */
  pods: readonly Pod[];
  namespaces: readonly Namespace[];
  policies: readonly NetworkPolicy[];
}

type Direction = 'ingress' | 'egress';

/** Every namespace carries this label with its own name (upstream sets it; we assume it). */
const NAME_LABEL = 'kubernetes.io/metadata.name';

/** Pods on the pod network with an IPv4 address, still running: the only ones policies see. */
export function podIPOf(pod: Pod): string | undefined {
  if (pod.spec?.hostNetwork) return undefined;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const ip = pod.status?.podIP;
  return ip && parseIpv4(ip) !== undefined ? ip : undefined;
}

/** The policy's types as defaulted upstream: Ingress always, Egress when it has egress rules. */
export function policyTypesOf(policy: NetworkPolicy): Set<string> {
  const types = policy.spec?.policyTypes;
  if (types && types.length > 0) return new Set(types);
  return new Set(['Ingress', ...((policy.spec?.egress?.length ?? 0) > 0 ? ['Egress'] : [])]);
}

/** A selector that cannot be parsed (validation should have refused it) selects nothing. */
function compile(spec: LabelSelector | undefined): Selector | undefined {
  try {
    return fromLabelSelector(spec ?? {});
  } catch {
    return undefined;
  }
}

/** Who a rule's peers are: any, or pods (kept for named ports) and CIDRs. */
interface PeerSet {
  any: boolean;
  pods: Pod[];
  cidrs: string[];
}

class World {
  readonly pods: { pod: Pod; ip: string; ns: string }[] = [];
  readonly #nsLabels = new Map<string, Record<string, string>>();

  constructor(w: PolicyWorld) {
    for (const ns of w.namespaces) {
      const name = ns.metadata?.name ?? '';
      this.#nsLabels.set(name, { ...ns.metadata?.labels, [NAME_LABEL]: name });
    }
    for (const pod of w.pods) {
      const ip = podIPOf(pod);
      if (ip) this.pods.push({ pod, ip, ns: pod.metadata?.namespace ?? 'default' });
    }
  }

  nsLabels(ns: string): Record<string, string> {
    return this.#nsLabels.get(ns) ?? { [NAME_LABEL]: ns };
  }

  /** podSelector alone: the policy's namespace; namespaceSelector alone: every pod there; both: AND. */
  peersOf(peer: NetworkPolicyPeer, policyNs: string): { pods: Pod[]; cidrs: string[] } {
    if (peer.ipBlock) {
      const cidr = parseIpv4Cidr(peer.ipBlock.cidr);
      if (!cidr) return { pods: [], cidrs: [] }; // IPv6 blocks: this node filters IPv4 only
      const excepts = (peer.ipBlock.except ?? []).map(parseIpv4Cidr).filter((c) => c !== undefined);
      return { pods: [], cidrs: subtractCidrs(cidr, excepts).map(formatCidr) };
    }
    if (!peer.podSelector && !peer.namespaceSelector) return { pods: [], cidrs: [] };
    const podSel = compile(peer.podSelector);
    const nsSel = peer.namespaceSelector ? compile(peer.namespaceSelector) : undefined;
    if (!podSel || (peer.namespaceSelector && !nsSel)) return { pods: [], cidrs: [] };
    const pods = this.pods.filter(({ pod, ns }) => (nsSel ? nsSel.matches(this.nsLabels(ns)) : ns === policyNs) && podSel.matches(pod.metadata?.labels ?? {}));
    return { pods: pods.map((p) => p.pod), cidrs: [] };
  }

  peerSet(peers: NetworkPolicyPeer[] | undefined, policyNs: string): PeerSet {
    if (!peers || peers.length === 0) return { any: true, pods: [], cidrs: [] };
    const out: PeerSet = { any: false, pods: [], cidrs: [] };
    for (const peer of peers) {
      const { pods, cidrs } = this.peersOf(peer, policyNs);
      out.pods.push(...pods);
      out.cidrs.push(...cidrs);
    }
    return out;
  }
}

/** containerPort named `name` for `protocol` in the pod, as NetworkPolicy named ports resolve. */
export function resolveNamedPort(pod: Pod, name: string, protocol: string): number | undefined {
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === name && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

function protocolOf(port: NetworkPolicyPort): PortMatch['protocol'] {
  return (port.protocol ?? 'TCP') as PortMatch['protocol'];
}

/** A numeric (or absent) port as a match; named ports are resolved by the caller. */
function numericPort(port: NetworkPolicyPort): PortMatch {
  const protocol = protocolOf(port);
  if (port.port === undefined) return { protocol };
  const n = Number(port.port);
  return port.endPort !== undefined && port.endPort > n ? { protocol, port: n, endPort: port.endPort } : { protocol, port: n };
}

const isNamed = (p: NetworkPolicyPort): boolean => typeof p.port === 'string' && !/^\d+$/.test(p.port);

function ipsOf(pods: Pod[]): string[] {
  return pods.map((p) => p.status!.podIP!);
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/**
 * One rule's allows. Ingress: named ports resolve on the local (destination) pod. Egress: on
 * each destination peer pod, so peers split by the number their name resolves to; an ipBlock
 * (or "any" peer outside the pods we know) cannot resolve a name and gets none.
 */
function allowsForRule(dir: Direction, peers: PeerSet, ports: NetworkPolicyPort[] | undefined, local: Pod, world: World): Allow[] {
  const peerList = peers.any ? undefined : sortedUnique([...ipsOf(peers.pods), ...peers.cidrs]);
  if (peerList?.length === 0) return [];
  if (!ports || ports.length === 0) return [{ peers: peerList }];
  const plain: PortMatch[] = [];
  const byPort = new Map<string, { match: PortMatch; ips: string[] }>();
  for (const port of ports) {
    if (!isNamed(port)) {
      plain.push(numericPort(port));
      continue;
    }
    const protocol = protocolOf(port);
    const targets = dir === 'ingress' ? [local] : peers.any ? world.pods.map((p) => p.pod) : peers.pods;
    for (const target of targets) {
      const n = resolveNamedPort(target, String(port.port), protocol);
      if (n === undefined) continue;
      const key = `${protocol}/${n}`;
      const entry = byPort.get(key) ?? { match: { protocol, port: n }, ips: [] };
      entry.ips.push(target.status!.podIP!);
      byPort.set(key, entry);
    }
  }
  const out: Allow[] = [];
  if (plain.length > 0) out.push({ peers: peerList, ports: plain });
  for (const { match, ips } of byPort.values()) {
    // Ingress: the local pod resolved it, every peer may use it. Egress: only the pods that name it.
    out.push({ peers: dir === 'ingress' ? peerList : sortedUnique(ips), ports: [match] });
  }
  return out;
}

/** Per isolated pod on this node, sorted by pod, what each selecting policy allows. */
export function resolvePolicies(w: PolicyWorld): PodPlan[] {
  const world = new World(w);
  const local = world.pods.filter(({ pod }) => pod.spec?.nodeName === w.nodeName);
  const plans = new Map<string, PodPlan>();
  const policies = [...w.policies].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  for (const policy of policies) {
    const ns = policy.metadata?.namespace ?? 'default';
    const selector = compile(policy.spec?.podSelector);
    if (!selector) continue;
    const selected = local.filter((p) => p.ns === ns && selector.matches(p.pod.metadata?.labels ?? {}));
    if (selected.length === 0) continue;
    const types = policyTypesOf(policy);
    const directions: [Direction, { peers?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[]][] = [];
    if (types.has('Ingress')) directions.push(['ingress', (policy.spec?.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))]);
    if (types.has('Egress')) directions.push(['egress', (policy.spec?.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }))]);
    for (const [dir, rules] of directions) {
      // Peers depend on the policy only: match them once, resolve ports per selected pod.
      const peerSets = rules.map((r) => world.peerSet(r.peers, ns));
      for (const { pod, ip } of selected) {
        const key = keyOf(pod);
        const plan = plans.get(key) ?? { pod: key, ip };
        plans.set(key, plan);
        const allows = rules.flatMap((r, i) => allowsForRule(dir, peerSets[i]!, r.ports, pod, world));
        const entry: PolicyRules = { policy: keyOf(policy), allows };
        (plan[dir] ??= []).push(entry);
      }
    }
  }
  return [...plans.values()].sort((a, b) => a.pod.localeCompare(b.pod));
}

function keyOf(obj: { metadata?: { namespace?: string; name?: string } }): string {
  return `${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`;
}
