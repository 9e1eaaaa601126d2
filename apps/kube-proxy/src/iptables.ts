import { chainsByTable, flushAndDeletePayload, IptablesRunner, type IptablesRunnerOptions } from '@skiff/netfilter';
import { CHAIN_PREFIX } from './chain-names.ts';
import { partialPayload } from './partial-restore.ts';
import { FORWARD_CHAIN, POSTROUTING_CHAIN, SERVICES_CHAIN } from './render-rules.ts';

export { runCommand, type CommandResult } from '@skiff/netfilter';

/** Where and with which binaries to run (ipNetns, iptablesBin, …), and how often to re-check. */
export interface IptablesOptions extends Omit<IptablesRunnerOptions, 'run'> {
  /**
   * How often apply() re-checks the jumps from the built-in chains (default 60 s). As upstream's
   * partial syncs do, a sync in between trusts the last check: each check costs ~10 commands.
   * They are always checked on the first apply and after a failed one.
   */
  jumpCheckIntervalMs?: number;
  /**
   * Between full restores (the first, after a failure, and then at most this often; default
   * 60 s) a changed payload is restored partially: only the chains that differ from the last
   * payload applied (partial-restore.ts). 0 = always full.
   */
  fullRestoreIntervalMs?: number;
}

/** A jump from a built-in chain to ours; `args` go after `-j`-less position (e.g. a comment). */
interface JumpRule {
  table: 'nat' | 'filter';
  chain: string;
  args: string[];
}

/**
 * The jumps from built-in chains into our chains (kube-proxy's "ensure" step). The pod
 * forwarding accepts go in DOCKER-USER when Docker made it: Docker sets FORWARD's policy to
 * DROP and jumps to DOCKER-USER before its own rules, and re-inserts that jump first on every
 * restart, so a rule there stays ahead of Docker's. Without Docker, FORWARD itself.
 */
export function jumpRules(forwardChain: 'DOCKER-USER' | 'FORWARD' = 'FORWARD'): JumpRule[] {
  const comment = (text: string) => ['-m', 'comment', '--comment', text];
  return [
    { table: 'nat', chain: 'PREROUTING', args: [...comment('skiff service portals'), '-j', SERVICES_CHAIN] },
    { table: 'nat', chain: 'OUTPUT', args: [...comment('skiff service portals'), '-j', SERVICES_CHAIN] },
    { table: 'nat', chain: 'POSTROUTING', args: [...comment('skiff postrouting rules'), '-j', POSTROUTING_CHAIN] },
    { table: 'filter', chain: 'INPUT', args: [...comment('skiff service rejects'), '-j', SERVICES_CHAIN] },
    { table: 'filter', chain: 'FORWARD', args: [...comment('skiff service rejects'), '-j', SERVICES_CHAIN] },
    { table: 'filter', chain: forwardChain, args: [...comment('skiff forwarding rules'), '-j', FORWARD_CHAIN] },
    { table: 'filter', chain: 'OUTPUT', args: [...comment('skiff service rejects'), '-j', SERVICES_CHAIN] },
  ];
}

/**
 * Applies rendered payloads with one `iptables-restore --noflush` per sync, keeps the
 * jumps from the built-in chains present exactly once, and removes everything on cleanup.
 */
export class Iptables {
  readonly #opts: IptablesOptions;
  readonly #runner: IptablesRunner;
  #lastApplied: string | undefined;
  #jumpsCheckedAt = -Infinity;
  #fullRestoreAt = -Infinity;
  /** What the last successful apply() restored, for logs and the benchmark. */
  lastRestore: 'full' | 'partial' | undefined;

  constructor(opts: IptablesOptions = {}) {
    this.#opts = opts;
    this.#runner = new IptablesRunner(opts);
  }

  /** Creates our base chains (so jumps can point at them) and the jumps, each once. */
  async ensureJumps(): Promise<void> {
    const dockerUser = (await this.#runner.iptables(['-w', '-t', 'filter', '-S', 'DOCKER-USER'])).code === 0;
    if (dockerUser) {
      // Docker appeared after us: the FORWARD copy of the forwarding jump is no longer needed.
      await this.#runner.deleteEveryCopy(jumpRules('FORWARD').find((r) => r.args.at(-1) === FORWARD_CHAIN && r.chain === 'FORWARD')!);
    }
    const created = new Set<string>();
    for (const rule of jumpRules(dockerUser ? 'DOCKER-USER' : 'FORWARD')) {
      const target = rule.args[rule.args.length - 1]!;
      // -N fails with "already exists" on later syncs: that is the normal case.
      if (!created.has(`${rule.table}/${target}`)) await this.#runner.iptables(['-w', '-t', rule.table, '-N', target]);
      created.add(`${rule.table}/${target}`);
      await this.#runner.ensureRule(rule);
    }
  }

  /**
   * Ensures jumps (see jumpCheckIntervalMs), then restores the payload unless it equals the last
   * one applied, in full or only its changed chains (see fullRestoreIntervalMs). Returns whether
   * it restored.
   */
  async apply(payload: string): Promise<boolean> {
    if (performance.now() - this.#jumpsCheckedAt >= (this.#opts.jumpCheckIntervalMs ?? 60_000)) {
      await this.ensureJumps();
      this.#jumpsCheckedAt = performance.now();
    }
    if (payload === this.#lastApplied) return false;
    const full = this.#lastApplied === undefined || performance.now() - this.#fullRestoreAt >= (this.#opts.fullRestoreIntervalMs ?? 60_000);
    try {
      await this.#runner.restore(full ? payload : partialPayload(this.#lastApplied!, payload));
    } catch (err) {
      // Forget what we applied and re-check the jumps: the next sync must retry everything.
      this.forget();
      throw full ? err : new Error(`partial restore: ${(err as Error).message}`, { cause: err });
    }
    if (full) this.#fullRestoreAt = performance.now();
    this.#lastApplied = payload;
    this.lastRestore = full ? 'full' : 'partial';
    return true;
  }

  /** Forces the next apply to restore even an unchanged payload (e.g. after an outside flush). */
  forget(): void {
    this.#lastApplied = undefined;
    this.#jumpsCheckedAt = -Infinity;
  }

  save(): Promise<string> {
    return this.#runner.save();
  }

  /**
   * kube-proxy --cleanup: delete our jumps from the built-in chains (every copy), then
   * flush and delete every SKIFF- chain in nat and filter. Other chains are untouched.
   */
  async cleanup(): Promise<void> {
    const everyJump = [...jumpRules('FORWARD'), ...jumpRules('DOCKER-USER').filter((r) => r.chain === 'DOCKER-USER')];
    for (const rule of everyJump) await this.#runner.deleteEveryCopy(rule);
    const chains = ownedChainsIn(await this.save());
    this.forget();
    const payload = flushAndDeletePayload([
      ['filter', chains.filter],
      ['nat', chains.nat],
    ]);
    if (payload) await this.#runner.restore(payload);
  }
}

/** SKIFF- chains declared in an iptables-save dump, per table. */
export function ownedChainsIn(dump: string): { nat: string[]; filter: string[] } {
  const byTable = chainsByTable(dump, CHAIN_PREFIX);
  return { nat: byTable.get('nat') ?? [], filter: byTable.get('filter') ?? [] };
}
