/** iptables commands on the host or inside a network namespace, with one error format. */
import { runCommand, type CommandResult, type CommandRunner } from './run-command.ts';

export interface IptablesRunnerOptions {
  /** Run every command inside this network namespace (`ip netns exec <ns> …`). */
  ipNetns?: string;
  /** For unit tests: records commands instead of running them (default: runCommand). */
  run?: CommandRunner;
  /** Binary overrides, e.g. for hosts with iptables-legacy. */
  iptablesBin?: string;
  iptablesRestoreBin?: string;
  iptablesSaveBin?: string;
}

/** A jump (or any rule) in a built-in chain: `args` is what follows `-A CHAIN`. */
export interface ChainRule {
  table: string;
  chain: string;
  args: readonly string[];
}

/** At most this many copies of a rule are deleted in one go: guards against a loop that never ends. */
const MAX_COPIES = 64;

export class IptablesRunner {
  readonly #opts: IptablesRunnerOptions;
  readonly #run: CommandRunner;

  constructor(opts: IptablesRunnerOptions = {}) {
    this.#opts = opts;
    this.#run = opts.run ?? runCommand;
  }

  /** Runs any command where our iptables runs (the namespace, if any); resolves for any exit. */
  run(bin: string, args: readonly string[], stdin?: string): Promise<CommandResult> {
    const ns = this.#opts.ipNetns;
    return ns ? this.#run('ip', ['netns', 'exec', ns, bin, ...args], stdin) : this.#run(bin, [...args], stdin);
  }

  /** Like run(), but a non-zero exit throws `BIN failed (exit N): STDERR [ARGS]`; returns stdout. */
  async must(bin: string, args: readonly string[], stdin?: string): Promise<string> {
    const result = await this.run(bin, args, stdin);
    if (result.code !== 0) throw new Error(`${bin} failed (exit ${result.code}): ${result.stderr.trim()} [${args.join(' ')}]`);
    return result.stdout;
  }

  /** `iptables ARGS` (callers pass `-w` and `-t` themselves); resolves for any exit. */
  iptables(args: readonly string[]): Promise<CommandResult> {
    return this.run(this.#opts.iptablesBin ?? 'iptables', args);
  }

  /** The whole ruleset, or one table's, as iptables-save prints it. */
  save(table?: string): Promise<string> {
    return this.must(this.#opts.iptablesSaveBin ?? 'iptables-save', table ? ['-t', table] : []);
  }

  /** `iptables-restore -w --noflush`: only the chains the payload declares are replaced. */
  async restore(payload: string): Promise<void> {
    await this.must(this.#opts.iptablesRestoreBin ?? 'iptables-restore', ['-w', '--noflush'], payload);
  }

  /** Deletes every copy of a rule (an outside tool or an earlier run may have added several); returns how many. */
  async deleteEveryCopy(rule: ChainRule): Promise<number> {
    let deleted = 0;
    while (deleted < MAX_COPIES && (await this.iptables(['-w', '-t', rule.table, '-D', rule.chain, ...rule.args])).code === 0) deleted++;
    return deleted;
  }

  /** Inserts the rule at the head of its chain unless it is there already (`-C`); it must then exist once at least. */
  async ensureRule(rule: ChainRule): Promise<void> {
    if ((await this.iptables(['-w', '-t', rule.table, '-C', rule.chain, ...rule.args])).code === 0) return;
    const insert = await this.iptables(['-w', '-t', rule.table, '-I', rule.chain, ...rule.args]);
    if (insert.code !== 0) throw new Error(`iptables: insert jump ${rule.table}/${rule.chain} → ${rule.args.at(-1)}: ${insert.stderr.trim()}`);
  }

  /** Makes the rule the first of its chain, exactly once: deletes every copy, then inserts it at 1. */
  async putRuleFirst(rule: ChainRule): Promise<void> {
    await this.deleteEveryCopy(rule);
    await this.must(this.#opts.iptablesBin ?? 'iptables', ['-w', '-t', rule.table, '-I', rule.chain, '1', ...rule.args]);
  }
}
