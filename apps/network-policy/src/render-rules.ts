/**
 * The whole filter-table payload for `iptables-restore --noflush`, purely from the resolved plans.
 *
 *   FORWARD ─1st─▶ SKIFFNP-FORWARD: replies RETURN; -s <isolated pod> → SKIFFNP-E-…; -d <isolated pod> → SKIFFNP-I-…
 *   INPUT   ─1st─▶ SKIFFNP-INPUT:   replies RETURN; -s <egress-isolated pod> → SKIFFNP-E-…  (pod → node, e.g. node-local DNS)
 *   SKIFFNP-I-/E-<pod>: clear our mark, jump to each selecting policy's SKIFFNP-P-…, marked → RETURN, else DROP
 *   SKIFFNP-P-<policy, pod>: one rule per allowed (peer × port), each sets our mark
 *
 * Allowed traffic RETURNs rather than ACCEPTs, so kube-proxy's and Docker's rules after us still
 * decide everything else. The pod chains dispatch on the pod's one IP, so a RETURN from an egress
 * chain continues to the destination's ingress check. Policy chains are named by a hash of their
 * content, so pods selected by the same policy (ports resolving alike) share one chain.
 */
import { chainName, CHAIN_PREFIX, FORWARD_CHAIN, INPUT_CHAIN } from './chain-names.ts';
import type { Allow, PodPlan, PolicyRules, PortMatch } from './policy-plan.ts';

/** Our packet mark bit (kube-proxy uses 0x4000 for masquerade; set-xmark keeps the other bits). */
export const ALLOW_MARK = '0x20000';

type Direction = 'ingress' | 'egress';

export interface RenderedRules {
  payload: string;
  /** Every chain the payload declares and keeps (for deleting them when they go stale). */
  chains: string[];
  /** `-A` lines. */
  ruleCount: number;
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '')}"`;
}

function portArgs(port: PortMatch): string {
  const proto = port.protocol.toLowerCase();
  if (port.port === undefined) return `-p ${proto}`;
  const range = port.endPort !== undefined ? `${port.port}:${port.endPort}` : `${port.port}`;
  return `-p ${proto} -m ${proto} --dport ${range}`;
}

/** The rule bodies (after `-A chain`) one allow contributes: its peers × its ports. */
function allowBodies(dir: Direction, allow: Allow): string[] {
  const flag = dir === 'ingress' ? '-s' : '-d';
  const mark = `-j MARK --set-xmark ${ALLOW_MARK}/${ALLOW_MARK}`;
  const out: string[] = [];
  for (const peer of allow.peers ?? [undefined]) {
    for (const port of allow.ports ?? [undefined]) {
      out.push([peer && `${flag} ${peer}`, port && portArgs(port), mark].filter(Boolean).join(' '));
    }
  }
  return out;
}

class Payload {
  readonly chains: string[] = [];
  readonly rules: string[] = [];
  readonly #declared = new Set<string>();

  declare(chain: string): boolean {
    if (this.#declared.has(chain)) return false;
    this.#declared.add(chain);
    this.chains.push(chain);
    return true;
  }

  add(chain: string, body: string): void {
    this.rules.push(`-A ${chain} ${body}`);
  }
}

/** A policy's chain for one pod and direction; undefined when it allows nothing (no jump needed). */
function renderPolicyChain(out: Payload, dir: Direction, rules: PolicyRules): string | undefined {
  const bodies = rules.allows.flatMap((a) => allowBodies(dir, a));
  if (bodies.length === 0) return undefined;
  const chain = chainName('P', `${dir}\n${rules.policy}\n${bodies.join('\n')}`);
  if (out.declare(chain)) for (const body of bodies) out.add(chain, `-m comment --comment ${quote(`${rules.policy} ${dir}`)} ${body}`);
  return chain;
}

function renderPodChain(out: Payload, dir: Direction, plan: PodPlan, policies: PolicyRules[]): string {
  const chain = chainName(dir === 'ingress' ? 'I' : 'E', plan.pod);
  out.declare(chain);
  // The node itself always reaches its pods (kubelet probes), as upstream implementations allow.
  if (dir === 'ingress') out.add(chain, '-m addrtype --src-type LOCAL -j RETURN');
  out.add(chain, `-j MARK --set-xmark 0x0/${ALLOW_MARK}`);
  for (const rules of policies) {
    const target = renderPolicyChain(out, dir, rules);
    if (target) out.add(chain, `-j ${target}`);
  }
  out.add(chain, `-m mark --mark ${ALLOW_MARK}/${ALLOW_MARK} -j RETURN`);
  out.add(chain, `-m comment --comment ${quote(`${plan.pod} ${dir} denied by network policy`)} -j DROP`);
  return chain;
}

/**
 * Renders the filter table for these plans. `existing` are SKIFFNP- chains present now (from the
 * last payload or iptables-save): those no longer wanted are flushed and deleted.
 */
export function renderRules(plans: readonly PodPlan[], existing: readonly string[] = []): RenderedRules {
  const out = new Payload();
  out.declare(FORWARD_CHAIN);
  out.declare(INPUT_CHAIN);
  const reply = '-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN';
  out.add(FORWARD_CHAIN, reply);
  out.add(INPUT_CHAIN, reply);
  const ingressJumps: string[] = [];
  for (const plan of plans) {
    if (plan.egress) {
      const chain = renderPodChain(out, 'egress', plan, plan.egress);
      const body = `-s ${plan.ip} -m comment --comment ${quote(`${plan.pod} egress`)} -j ${chain}`;
      out.add(FORWARD_CHAIN, body);
      out.add(INPUT_CHAIN, body);
    }
    if (plan.ingress) {
      const chain = renderPodChain(out, 'ingress', plan, plan.ingress);
      ingressJumps.push(`-d ${plan.ip} -m comment --comment ${quote(`${plan.pod} ingress`)} -j ${chain}`);
    }
  }
  // Egress checks at the source first, then ingress at the destination: a packet between two
  // isolated pods of this node must pass both.
  for (const body of ingressJumps) out.add(FORWARD_CHAIN, body);
  const wanted = new Set(out.chains);
  const stale = [...new Set(existing)].filter((c) => c.startsWith(CHAIN_PREFIX) && !wanted.has(c)).sort();
  const lines = ['*filter'];
  for (const chain of [...out.chains, ...stale]) lines.push(`:${chain} - [0:0]`);
  lines.push(...out.rules);
  for (const chain of stale) lines.push(`-X ${chain}`);
  lines.push('COMMIT', '');
  return { payload: lines.join('\n'), chains: out.chains, ruleCount: out.rules.length };
}
