/**
 * Applies the hostPort payload with one `iptables-restore --noflush`, keeps our jumps in the
 * built-in nat chains, clears stale UDP conntrack entries, and removes everything on cleanup.
 *
 * Why iptables and not Docker's `-p` publishing: docker-proxy binds every published port on the
 * host, so a hostPort would collide with the node's own services (the node-local DNS listens on
 * 169.254.20.10:53); DNAT, as the CNI portmap plugin does it, binds nothing.
 */
import { execFile } from 'node:child_process';
import { CHAIN_PREFIX, DNAT_CHAIN, POSTROUTING_CHAIN } from './render-host-port-rules.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (cmd: string, args: string[], stdin?: string) => Promise<CommandResult>;

export interface HostPortIptablesOptions {
  /** Run every command in this network namespace (`ip netns exec <ns> …`): cleanup of a lab node. */
  ipNetns?: string;
  /** For unit tests: records commands instead of running them. */
  run?: CommandRunner;
}

/** The jumps from the built-in chains into ours; each is kept exactly once. */
export const HOSTPORT_JUMPS: readonly { chain: string; args: string[] }[] = [
  // Only packets for this node's own addresses: a DNAT for a hostPort must not catch traffic the
  // node forwards (a pod reaching another machine's port).
  { chain: 'PREROUTING', args: ['-m', 'comment', '--comment', 'skiff hostports', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', DNAT_CHAIN] },
  { chain: 'OUTPUT', args: ['-m', 'comment', '--comment', 'skiff hostports', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', DNAT_CHAIN] },
  { chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'skiff hostport hairpin', '-j', POSTROUTING_CHAIN] },
];

export class HostPortIptables {
  readonly #run: CommandRunner;

  constructor(opts: HostPortIptablesOptions = {}) {
    const run = opts.run ?? runCommand;
    this.#run = opts.ipNetns ? (cmd, args, stdin) => run('ip', ['netns', 'exec', opts.ipNetns!, cmd, ...args], stdin) : run;
  }

  /** SKIFFHP- chains in the nat table now (left by an earlier kubelet, or ours). */
  async listChains(): Promise<string[]> {
    const r = await this.#run('iptables-save', ['-t', 'nat']);
    if (r.code !== 0) throw new Error(`iptables-save -t nat failed (exit ${r.code}): ${r.stderr.trim()}`);
    return chainsIn(r.stdout);
  }

  async restore(payload: string): Promise<void> {
    const r = await this.#run('iptables-restore', ['-w', '--noflush'], payload);
    if (r.code !== 0) throw new Error(`iptables-restore failed (exit ${r.code}): ${r.stderr.trim()}`);
  }

  /** Inserts each missing jump at the head of its built-in chain (our chains must exist: restore first). */
  async ensureJumps(): Promise<void> {
    for (const jump of HOSTPORT_JUMPS) {
      if ((await this.#run('iptables', ['-w', '-t', 'nat', '-C', jump.chain, ...jump.args])).code === 0) continue;
      const r = await this.#run('iptables', ['-w', '-t', 'nat', '-I', jump.chain, ...jump.args]);
      if (r.code !== 0) throw new Error(`iptables: insert jump nat/${jump.chain} → ${jump.args.at(-1)}: ${r.stderr.trim()}`);
    }
  }

  /**
   * Forgets UDP flows to a hostPort whose mapping changed: UDP has no close, so conntrack would
   * keep sending a client's packets to the old pod (or nowhere) for as long as it keeps talking.
   */
  async deleteUdpConntrack(hostPort: number): Promise<void> {
    const r = await this.#run('conntrack', ['-D', '-p', 'udp', '--dport', String(hostPort)]);
    // Exit 1 with "0 flow entries have been deleted" when there was nothing: fine.
    if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) throw new Error(`conntrack -D -p udp --dport ${hostPort} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }

  /** Removes every jump of ours (each copy) and every SKIFFHP- chain; other rules are untouched. */
  async cleanup(): Promise<void> {
    for (const jump of HOSTPORT_JUMPS) {
      for (let i = 0; i < 16; i++) {
        if ((await this.#run('iptables', ['-w', '-t', 'nat', '-D', jump.chain, ...jump.args])).code !== 0) break;
      }
    }
    const chains = await this.listChains();
    if (chains.length === 0) return;
    const payload = ['*nat', ...chains.map((c) => `:${c} - [0:0]`), ...chains.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
    await this.restore(payload);
  }
}

/** Removes every hostPort rule of the kubelet from this node (or `ipNetns`): `./skiff down`, `kubelet --cleanup-hostports`. */
export async function cleanupHostPorts(opts: HostPortIptablesOptions = {}): Promise<void> {
  await new HostPortIptables(opts).cleanup();
}

/** SKIFFHP- chains declared in an `iptables-save -t nat` dump. */
export function chainsIn(dump: string): string[] {
  return dump.split('\n').filter((l) => l.startsWith(`:${CHAIN_PREFIX}`)).map((l) => l.slice(1).split(' ')[0]!);
}

/** Runs without a shell; a non-zero exit resolves (callers read `code`), a missing binary rejects. */
export function runCommand(cmd: string, args: string[], stdin?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(`${cmd}: ${err.message}`, { cause: err }));
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
    child.stdin?.on('error', () => {}); // it may exit before reading everything
    child.stdin?.end(stdin ?? '');
  });
}
