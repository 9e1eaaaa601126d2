/**
 * Applies rendered payloads with one `iptables-restore --noflush` per change, keeps our jumps
 * FIRST in filter FORWARD and INPUT, and removes everything of ours on cleanup.
 */
import { chainsIn, flushAndDeletePayload, IptablesRunner, type ChainRule, type CommandResult } from '@skiff/netfilter';
import { CHAIN_PREFIX, FORWARD_CHAIN, INPUT_CHAIN } from './chain-names.ts';

/** execCommand: the name this package has always exported the shared runner under. */
export { runCommand as execCommand, type CommandResult } from '@skiff/netfilter';

/** Our jumps from the built-in chains: each must be rule 1 of its chain. */
export const JUMPS = [
  { chain: 'FORWARD', target: FORWARD_CHAIN },
  { chain: 'INPUT', target: INPUT_CHAIN },
] as const;

function jumpRule(chain: string, target: string): ChainRule {
  return { table: 'filter', chain, args: ['-m', 'comment', '--comment', 'skiff network policy', '-j', target] };
}

/**
 * Where each jump must move: Docker inserts its DOCKER-USER jump at the top of FORWARD whenever
 * it (re)starts, and kube-proxy ACCEPTs pod traffic in DOCKER-USER, so a jump of ours anywhere
 * but first would let that traffic through unfiltered. Reads an `iptables-save -t filter` dump;
 * returns the jumps that are missing, duplicated or not first.
 */
export function misplacedJumps(dump: string): (typeof JUMPS)[number][] {
  const rulesOf = (chain: string) => dump.split('\n').filter((l) => l.startsWith(`-A ${chain} `));
  return JUMPS.filter(({ chain, target }) => {
    const lines = rulesOf(chain);
    const ours = lines.filter((l) => l.endsWith(` -j ${target}`));
    return ours.length !== 1 || lines[0] !== ours[0];
  });
}

/** SKIFFNP- chains declared in an `iptables-save` dump of the filter table. */
export function ownedChainsIn(dump: string): string[] {
  return chainsIn(dump, CHAIN_PREFIX);
}

export interface IptablesOptions {
  /** Run every command inside this network namespace. */
  ipNetns?: string;
}

export class Iptables {
  readonly #runner: IptablesRunner;
  #lastApplied: string | undefined;
  /** Our chains as of the last restore (undefined: unknown, read them from iptables-save). */
  chains: string[] | undefined;

  constructor(opts: IptablesOptions = {}) {
    this.#runner = new IptablesRunner({ ipNetns: opts.ipNetns });
  }

  run(bin: string, args: string[], stdin?: string): Promise<CommandResult> {
    return this.#runner.run(bin, args, stdin);
  }

  saveFilter(): Promise<string> {
    return this.#runner.save('filter');
  }

  /** The SKIFFNP- chains present now: remembered from the last restore, else read. */
  async existingChains(): Promise<string[]> {
    return this.chains ?? ownedChainsIn(await this.saveFilter());
  }

  /** Restores the payload unless it is the one last applied; returns whether it restored. */
  async restore(payload: string, chains: string[]): Promise<boolean> {
    if (payload === this.#lastApplied) return false;
    try {
      await this.#runner.restore(payload);
    } catch (err) {
      // Unknown state now: the next sync rereads our chains and restores in full.
      this.#lastApplied = undefined;
      this.chains = undefined;
      throw err;
    }
    this.#lastApplied = payload;
    this.chains = chains;
    return true;
  }

  /**
   * Moves every misplaced jump to rule 1 (after deleting its copies); returns how many moved.
   * Lists only FORWARD and INPUT (`-S`): a whole iptables-save costs ~0.3 s at 20,000 rules.
   */
  async ensureJumpsFirst(): Promise<number> {
    const listed = await Promise.all(JUMPS.map(({ chain }) => this.#runner.must('iptables', ['-w', '-t', 'filter', '-S', chain])));
    const misplaced = misplacedJumps(listed.join('\n'));
    for (const { chain, target } of misplaced) await this.#runner.putRuleFirst(jumpRule(chain, target));
    return misplaced.length;
  }

  /** --cleanup: delete our jumps (every copy), then flush and delete every SKIFFNP- chain. */
  async cleanup(): Promise<void> {
    for (const { chain, target } of JUMPS) await this.#runner.deleteEveryCopy(jumpRule(chain, target));
    const chains = ownedChainsIn(await this.saveFilter());
    this.#lastApplied = undefined;
    this.chains = undefined;
    const payload = flushAndDeletePayload([['filter', chains]]);
    if (payload) await this.#runner.restore(payload);
    this.chains = []; // none left: the next sync need not read them back
  }
}
