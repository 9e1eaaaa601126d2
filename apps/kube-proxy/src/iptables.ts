import { spawn } from 'node:child_process';
import { CHAIN_PREFIX } from './chain-names.ts';
import { FORWARD_CHAIN, POSTROUTING_CHAIN, SERVICES_CHAIN } from './render-rules.ts';

export interface IptablesOptions {
  /** Run every command inside this network namespace (`ip netns exec <ns> …`). */
  ipNetns?: string;
  /** Binary overrides, for tests and for hosts with iptables-legacy. */
  iptablesBin?: string;
  iptablesRestoreBin?: string;
  iptablesSaveBin?: string;
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

/** The jumps from built-in chains into our chains (kube-proxy's "ensure" step). */
export function jumpRules(): JumpRule[] {
  const comment = (text: string) => ['-m', 'comment', '--comment', text];
  return [
    { table: 'nat', chain: 'PREROUTING', args: [...comment('skiff service portals'), '-j', SERVICES_CHAIN] },
    { table: 'nat', chain: 'OUTPUT', args: [...comment('skiff service portals'), '-j', SERVICES_CHAIN] },
    { table: 'nat', chain: 'POSTROUTING', args: [...comment('skiff postrouting rules'), '-j', POSTROUTING_CHAIN] },
    { table: 'filter', chain: 'INPUT', args: [...comment('skiff service rejects'), '-j', SERVICES_CHAIN] },
    { table: 'filter', chain: 'FORWARD', args: [...comment('skiff service rejects'), '-j', SERVICES_CHAIN] },
    { table: 'filter', chain: 'FORWARD', args: [...comment('skiff forwarding rules'), '-j', FORWARD_CHAIN] },
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

  constructor(opts: IptablesOptions = {}) {
    this.#opts = opts;
  }

  /** Creates our base chains (so jumps can point at them) and the jumps, each once. */
  async ensureJumps(): Promise<void> {
    for (const rule of jumpRules()) {
      const target = rule.args[rule.args.length - 1]!;
      // -N fails with "already exists" on later syncs: that is the normal case.
      await this.#iptables(['-w', '-t', rule.table, '-N', target]);
      const check = await this.#iptables(['-w', '-t', rule.table, '-C', rule.chain, ...rule.args]);
      if (check.code === 0) continue;
      const insert = await this.#iptables(['-w', '-t', rule.table, '-I', rule.chain, ...rule.args]);
      if (insert.code !== 0) throw new Error(`iptables: insert jump ${rule.table}/${rule.chain} → ${target}: ${insert.stderr.trim()}`);
    }
  }

  /** Ensures jumps, then restores the payload unless it equals the last one applied. Returns whether it restored. */
  async apply(payload: string): Promise<boolean> {
    await this.ensureJumps();
    if (payload === this.#lastApplied) return false;
    const result = await this.#run(this.#opts.iptablesRestoreBin ?? 'iptables-restore', ['-w', '--noflush'], payload);
    if (result.code !== 0) {
      // Forget what we applied: the next sync must retry the whole payload.
      this.#lastApplied = undefined;
      throw new Error(`iptables-restore failed (exit ${result.code}): ${result.stderr.trim()}`);
    }
    this.#lastApplied = payload;
    return true;
  }

  /** Forces the next apply to restore even an unchanged payload (e.g. after an outside flush). */
  forget(): void {
    this.#lastApplied = undefined;
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
    for (const rule of jumpRules()) {
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
