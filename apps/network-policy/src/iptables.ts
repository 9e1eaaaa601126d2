/**
 * Applies rendered payloads with one `iptables-restore --noflush` per change, keeps our jumps
 * FIRST in filter FORWARD and INPUT, and removes everything of ours on cleanup.
 */
import { execFile } from 'node:child_process';
import { CHAIN_PREFIX, FORWARD_CHAIN, INPUT_CHAIN } from './chain-names.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell, feeding `stdin`; never rejects for a non-zero exit. */
export function execCommand(cmd: string, args: readonly string[], stdin = ''): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(`${cmd}: ${err.message}`, { cause: err }));
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
    child.stdin?.on('error', () => {}); // it may exit before reading everything
    child.stdin?.end(stdin);
  });
}

/** Our jumps from the built-in chains: each must be rule 1 of its chain. */
export const JUMPS = [
  { chain: 'FORWARD', target: FORWARD_CHAIN },
  { chain: 'INPUT', target: INPUT_CHAIN },
] as const;

function jumpArgs(target: string): string[] {
  return ['-m', 'comment', '--comment', 'skiff network policy', '-j', target];
}

/**
 * Where each jump must move: Docker inserts its DOCKER-USER jump at the top of FORWARD whenever
 * it (re)starts, and kube-proxy ACCEPTs pod traffic in DOCKER-USER, so a jump of ours anywhere
 * but first would let that traffic through unfiltered. Reads an `iptables-save -t filter` dump;
 * returns the jumps that are missing, duplicated or not first.
 */
export function misplacedJumps(dump: string): typeof JUMPS[number][] {
  const rulesOf = (chain: string) => dump.split('\n').filter((l) => l.startsWith(`-A ${chain} `));
  return JUMPS.filter(({ chain, target }) => {
    const lines = rulesOf(chain);
    const ours = lines.filter((l) => l.endsWith(` -j ${target}`));
    return ours.length !== 1 || lines[0] !== ours[0];
  });
}

/** SKIFFNP- chains declared in an `iptables-save` dump of the filter table. */
export function ownedChainsIn(dump: string): string[] {
  return dump.split('\n').filter((l) => l.startsWith(`:${CHAIN_PREFIX}`)).map((l) => l.slice(1).split(' ')[0]!);
}

export interface IptablesOptions {
  /** Run every command inside this network namespace. */
  ipNetns?: string;
}

export class Iptables {
  readonly #netns: string | undefined;
  #lastApplied: string | undefined;
  /** Our chains as of the last restore (undefined: unknown, read them from iptables-save). */
  chains: string[] | undefined;

  constructor(opts: IptablesOptions = {}) {
    this.#netns = opts.ipNetns;
  }

  run(bin: string, args: string[], stdin?: string): Promise<CommandResult> {
    return this.#netns ? execCommand('ip', ['netns', 'exec', this.#netns, bin, ...args], stdin) : execCommand(bin, args, stdin);
  }

  async #must(bin: string, args: string[], stdin?: string): Promise<string> {
    const result = await this.run(bin, args, stdin);
    if (result.code !== 0) throw new Error(`${bin} ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
    return result.stdout;
  }

  saveFilter(): Promise<string> {
    return this.#must('iptables-save', ['-t', 'filter']);
  }

  /** The SKIFFNP- chains present now: remembered from the last restore, else read. */
  async existingChains(): Promise<string[]> {
    return this.chains ?? ownedChainsIn(await this.saveFilter());
  }

  /** Restores the payload unless it is the one last applied; returns whether it restored. */
  async restore(payload: string, chains: string[]): Promise<boolean> {
    if (payload === this.#lastApplied) return false;
    try {
      await this.#must('iptables-restore', ['-w', '--noflush'], payload);
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
    const listed = await Promise.all(JUMPS.map(({ chain }) => this.#must('iptables', ['-w', '-t', 'filter', '-S', chain])));
    const misplaced = misplacedJumps(listed.join('\n'));
    for (const { chain, target } of misplaced) {
      const args = jumpArgs(target);
      while ((await this.run('iptables', ['-w', '-t', 'filter', '-D', chain, ...args])).code === 0);
      await this.#must('iptables', ['-w', '-t', 'filter', '-I', chain, '1', ...args]);
    }
    return misplaced.length;
  }

  /** --cleanup: delete our jumps (every copy), then flush and delete every SKIFFNP- chain. */
  async cleanup(): Promise<void> {
    for (const { chain, target } of JUMPS) {
      const args = jumpArgs(target);
      while ((await this.run('iptables', ['-w', '-t', 'filter', '-D', chain, ...args])).code === 0);
    }
    const chains = ownedChainsIn(await this.saveFilter());
    this.#lastApplied = undefined;
    this.chains = undefined;
    if (chains.length > 0) {
      const payload = ['*filter', ...chains.map((c) => `:${c} - [0:0]`), ...chains.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
      await this.#must('iptables-restore', ['-w', '--noflush'], payload);
    }
    this.chains = []; // none left: the next sync need not read them back
  }
}
