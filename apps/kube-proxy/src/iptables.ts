import { spawn } from 'node:child_process';
import { CHAIN_PREFIX } from './chain-names.ts';
import { partialPayload } from './partial-restore.ts';
import { FORWARD_CHAIN, POSTROUTING_CHAIN, SERVICES_CHAIN } from './render-rules.ts';

export interface IptablesOptions {
  /** Run every command inside this network namespace (`ip netns exec <ns> …`). */
  ipNetns?: string;
  /** Binary overrides, for tests and for hosts with iptables-legacy. */
  iptablesBin?: string;
  iptablesRestoreBin?: string;
  iptablesSaveBin?: string;
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

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
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
  #lastApplied: string | undefined;
  #jumpsCheckedAt = -Infinity;
  #fullRestoreAt = -Infinity;
  /** What the last successful apply() restored, for logs and the benchmark. */
  lastRestore: 'full' | 'partial' | undefined;

  constructor(opts: IptablesOptions = {}) {
    this.#opts = opts;
  }

  /** Creates our base chains (so jumps can point at them) and the jumps, each once. */
  async ensureJumps(): Promise<void> {
    const dockerUser = (await this.#iptables(['-w', '-t', 'filter', '-S', 'DOCKER-USER'])).code === 0;
    if (dockerUser) {
      // Docker appeared after us: the FORWARD copy of the forwarding jump is no longer needed.
      const moved = jumpRules('FORWARD').find((r) => r.args.at(-1) === FORWARD_CHAIN && r.chain === 'FORWARD')!;
      while ((await this.#iptables(['-w', '-t', 'filter', '-D', 'FORWARD', ...moved.args])).code === 0);
    }
    const created = new Set<string>();
    for (const rule of jumpRules(dockerUser ? 'DOCKER-USER' : 'FORWARD')) {
      const target = rule.args[rule.args.length - 1]!;
      // -N fails with "already exists" on later syncs: that is the normal case.
      if (!created.has(`${rule.table}/${target}`)) await this.#iptables(['-w', '-t', rule.table, '-N', target]);
      created.add(`${rule.table}/${target}`);
      const check = await this.#iptables(['-w', '-t', rule.table, '-C', rule.chain, ...rule.args]);
      if (check.code === 0) continue;
      const insert = await this.#iptables(['-w', '-t', rule.table, '-I', rule.chain, ...rule.args]);
      if (insert.code !== 0) throw new Error(`iptables: insert jump ${rule.table}/${rule.chain} → ${target}: ${insert.stderr.trim()}`);
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
    const input = full ? payload : partialPayload(this.#lastApplied!, payload);
    const result = await this.#run(this.#opts.iptablesRestoreBin ?? 'iptables-restore', ['-w', '--noflush'], input);
    if (result.code !== 0) {
      // Forget what we applied and re-check the jumps: the next sync must retry everything.
      this.#lastApplied = undefined;
      this.#jumpsCheckedAt = -Infinity;
      throw new Error(`iptables-restore${full ? '' : ' (partial)'} failed (exit ${result.code}): ${result.stderr.trim()}`);
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

  async save(): Promise<string> {
    const result = await this.#run(this.#opts.iptablesSaveBin ?? 'iptables-save', []);
    if (result.code !== 0) throw new Error(`iptables-save failed (exit ${result.code}): ${result.stderr.trim()}`);
    return result.stdout;
  }

  /**
   * kube-proxy --cleanup: delete our jumps from the built-in chains (every copy), then
   * flush and delete every SKIFF- chain in nat and filter. Other chains are untouched.
   */
  async cleanup(): Promise<void> {
    const everyJump = [...jumpRules('FORWARD'), ...jumpRules('DOCKER-USER').filter((r) => r.chain === 'DOCKER-USER')];
    for (const rule of everyJump) {
      for (let i = 0; i < 16; i++) {
        const del = await this.#iptables(['-w', '-t', rule.table, '-D', rule.chain, ...rule.args]);
        if (del.code !== 0) break;
      }
    }
    const saved = await this.save();
    const chains = ownedChainsIn(saved);
    const lines: string[] = [];
    for (const table of ['filter', 'nat'] as const) {
      if (chains[table].length === 0) continue;
      lines.push(`*${table}`);
      for (const c of chains[table]) lines.push(`:${c} - [0:0]`);
      for (const c of chains[table]) lines.push(`-X ${c}`);
      lines.push('COMMIT');
    }
    this.#lastApplied = undefined;
    this.#jumpsCheckedAt = -Infinity;
    if (lines.length === 0) return;
    const result = await this.#run(this.#opts.iptablesRestoreBin ?? 'iptables-restore', ['-w', '--noflush'], lines.join('\n') + '\n');
    if (result.code !== 0) throw new Error(`iptables cleanup failed (exit ${result.code}): ${result.stderr.trim()}`);
  }

  #iptables(args: string[]): Promise<CommandResult> {
    return this.#run(this.#opts.iptablesBin ?? 'iptables', args);
  }

  #run(bin: string, args: string[], stdin?: string): Promise<CommandResult> {
    const [cmd, ...rest] = this.#opts.ipNetns ? ['ip', 'netns', 'exec', this.#opts.ipNetns, bin, ...args] : [bin, ...args];
    return runCommand(cmd!, rest, stdin);
  }
}

/** SKIFF- chains declared in an iptables-save dump, per table. */
export function ownedChainsIn(dump: string): { nat: string[]; filter: string[] } {
  const out = { nat: [] as string[], filter: [] as string[] };
  let table = '';
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    else if (line.startsWith(`:${CHAIN_PREFIX}`) && (table === 'nat' || table === 'filter')) {
      out[table].push(line.slice(1).split(' ')[0]!);
    }
  }
  return out;
}

/** Spawns without a shell; never rejects for a non-zero exit (callers read `code`). */
export function runCommand(cmd: string, args: string[], stdin?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => reject(new Error(`${cmd}: ${err.message}`, { cause: err })));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => {}); // the process may exit before reading everything
    child.stdin.end(stdin ?? '');
  });
}
