/**
 * Applies the hostPort payload with one `iptables-restore --noflush`, keeps our jumps in the
 * built-in nat chains, clears stale UDP conntrack entries, and removes everything on cleanup.
 *
 * Why iptables and not Docker's `-p` publishing: docker-proxy binds every published port on the
 * host, so a hostPort would collide with the node's own services (the node-local DNS listens on
 * 169.254.20.10:53); DNAT, as the CNI portmap plugin does it, binds nothing.
 */
import { chainsIn, flushAndDeletePayload, IptablesRunner, type ChainRule, type CommandRunner } from '@skiff/netfilter';
import { CHAIN_PREFIX, DNAT_CHAIN, POSTROUTING_CHAIN } from './render-host-port-rules.ts';

export { runCommand, type CommandResult, type CommandRunner } from '@skiff/netfilter';

export interface HostPortIptablesOptions {
  /** Run every command in this network namespace (`ip netns exec <ns> …`): cleanup of a lab node. */
  ipNetns?: string;
  /** For unit tests: records commands instead of running them. */
  run?: CommandRunner;
}

/** The jumps from the built-in chains into ours; each is kept exactly once. */
export const HOSTPORT_JUMPS: readonly ChainRule[] = [
  // Only packets for this node's own addresses: a DNAT for a hostPort must not catch traffic the
  // node forwards (a pod reaching another machine's port).
  { table: 'nat', chain: 'PREROUTING', args: ['-m', 'comment', '--comment', 'skiff hostports', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', DNAT_CHAIN] },
  { table: 'nat', chain: 'OUTPUT', args: ['-m', 'comment', '--comment', 'skiff hostports', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', DNAT_CHAIN] },
  { table: 'nat', chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'skiff hostport hairpin', '-j', POSTROUTING_CHAIN] },
];

export class HostPortIptables {
  readonly #runner: IptablesRunner;

  constructor(opts: HostPortIptablesOptions = {}) {
    this.#runner = new IptablesRunner(opts);
  }

  /** SKIFFHP- chains in the nat table now (left by an earlier kubelet, or ours). */
  async listChains(): Promise<string[]> {
    return chainsIn(await this.#runner.save('nat'), CHAIN_PREFIX);
  }

  restore(payload: string): Promise<void> {
    return this.#runner.restore(payload);
  }

  /** Inserts each missing jump at the head of its built-in chain (our chains must exist: restore first). */
  async ensureJumps(): Promise<void> {
    for (const jump of HOSTPORT_JUMPS) await this.#runner.ensureRule(jump);
  }

  /**
   * Forgets UDP flows to a hostPort whose mapping changed: UDP has no close, so conntrack would
   * keep sending a client's packets to the old pod (or nowhere) for as long as it keeps talking.
   */
  async deleteUdpConntrack(hostPort: number): Promise<void> {
    const r = await this.#runner.run('conntrack', ['-D', '-p', 'udp', '--dport', String(hostPort)]);
    // Exit 1 with "0 flow entries have been deleted" when there was nothing: fine.
    if (r.code !== 0 && !/0 flow entries/.test(r.stderr))
      throw new Error(`conntrack -D -p udp --dport ${hostPort} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }

  /** Removes every jump of ours (each copy) and every SKIFFHP- chain; other rules are untouched. */
  async cleanup(): Promise<void> {
    for (const jump of HOSTPORT_JUMPS) await this.#runner.deleteEveryCopy(jump);
    const payload = flushAndDeletePayload([['nat', await this.listChains()]]);
    if (payload) await this.restore(payload);
  }
}

/** Removes every hostPort rule of the kubelet from this node (or `ipNetns`): `./skiff down`, `kubelet --cleanup-hostports`. */
export async function cleanupHostPorts(opts: HostPortIptablesOptions = {}): Promise<void> {
  await new HostPortIptables(opts).cleanup();
}
