/** Reading and writing iptables-save / iptables-restore text (pure: no commands run here). */

/**
 * The chains declared (`:NAME POLICY [p:b]`) under each table (`*nat`, `*filter`) of an
 * iptables-save dump whose names start with `prefix`. Declarations before any table header
 * (a `-S` listing, a hand-made dump) are filed under ''.
 */
export function chainsByTable(dump: string, prefix: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let table = '';
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    else if (line.startsWith(`:${prefix}`)) {
      const chains = out.get(table) ?? [];
      chains.push(line.slice(1).split(' ')[0]!);
      out.set(table, chains);
    }
  }
  return out;
}

/** The chains starting with `prefix` in a dump of one table (`iptables-save -t T`), in dump order. */
export function chainsIn(dump: string, prefix: string): string[] {
  return [...chainsByTable(dump, prefix).values()].flat();
}

/**
 * An `iptables-restore --noflush` payload that empties and deletes the given chains, table by
 * table in the order given; '' when there is none. Declaring a chain in a restore flushes it,
 * and only an empty chain that nothing jumps to can be deleted: delete the jumps first.
 */
export function flushAndDeletePayload(chainsOfTable: Iterable<readonly [string, readonly string[]]>): string {
  const lines: string[] = [];
  for (const [table, chains] of chainsOfTable) {
    if (chains.length === 0) continue;
    lines.push(`*${table}`, ...chains.map((c) => `:${c} - [0:0]`), ...chains.map((c) => `-X ${c}`), 'COMMIT');
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
