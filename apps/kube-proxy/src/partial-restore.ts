/**
 * Partial restores (upstream's MinimizeIPTablesRestore, KEP-3453, done per chain): in
 * `iptables-restore --noflush` input, a chain that is not mentioned is left exactly as it is.
 * So after a successful restore of `previous`, the next payload only needs the chains whose
 * rules differ (declared, which flushes them, then rewritten) and the deletions. Both inputs
 * are renderRules() payloads: per table, `:CHAIN` lines, then `-A CHAIN …` rules, then `-X`.
 */

interface ParsedTable {
  /** Declared chains in order, with their rules in order. */
  chains: Map<string, string[]>;
  /** Chains deleted by `-X` at the end of the table. */
  deleted: string[];
}

export function parsePayload(payload: string): Map<string, ParsedTable> {
  const tables = new Map<string, ParsedTable>();
  let current: ParsedTable | undefined;
  for (const line of payload.split('\n')) {
    if (line.startsWith('*')) {
      current = { chains: new Map(), deleted: [] };
      tables.set(line.slice(1).trim(), current);
    } else if (!current || line === 'COMMIT' || line === '') {
    } else if (line.startsWith(':')) {
      current.chains.set(line.slice(1).split(' ')[0]!, []);
    } else if (line.startsWith('-A ')) {
      const chain = line.slice(3).split(' ')[0]!;
      const rules = current.chains.get(chain);
      if (!rules) throw new Error(`payload: rule for undeclared chain ${chain}`);
      rules.push(line);
    } else if (line.startsWith('-X ')) {
      current.deleted.push(line.slice(3).trim());
    } else {
      throw new Error(`payload: unexpected line "${line}"`);
    }
  }
  return tables;
}

/**
 * The smallest `--noflush` input turning the kernel from `previous` (applied successfully) into
 * `next`; '' when nothing differs. Chains in `next` marked for deletion are always included.
 */
export function partialPayload(previous: string, next: string): string {
  const before = parsePayload(previous);
  let out = '';
  for (const [table, want] of parsePayload(next)) {
    const had = before.get(table)?.chains ?? new Map<string, string[]>();
    const deleted = new Set(want.deleted);
    const changed = [...want.chains].filter(([chain, rules]) => {
      if (deleted.has(chain)) return false;
      const old = had.get(chain);
      return !old || old.length !== rules.length || old.some((r, i) => r !== rules[i]);
    });
    if (changed.length === 0 && want.deleted.length === 0) continue;
    const lines = [`*${table}`];
    for (const [chain] of changed) lines.push(`:${chain} - [0:0]`);
    for (const chain of want.deleted) lines.push(`:${chain} - [0:0]`);
    for (const [, rules] of changed) lines.push(...rules);
    for (const chain of want.deleted) lines.push(`-X ${chain}`);
    lines.push('COMMIT');
    out += lines.join('\n') + '\n';
  }
  return out;
}
