/**
 * The building blocks of kubectl describe output: tab-separated lines (laid out by
 * printers/tabwriter.ts), written at indent levels of two spaces as kubectl's PrefixWriter.
 */
export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped JSON walked by describers

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export class Lines {
  readonly lines: string[] = [];

  /** One line at `level` (0: flush left, 1: two spaces, ...). */
  add(level: number, text: string): this {
    this.lines.push(`${'  '.repeat(level)}${text}`);
    return this;
  }

  /** `Title:\tvalue`, `<none>` when empty; further lines of a multi-line value continue under it. */
  field(level: number, title: string, value: unknown): this {
    const text = value === undefined || value === null || value === '' ? '<none>' : String(value);
    const [first, ...rest] = text.split('\n');
    this.add(level, `${title}:\t${first}`);
    for (const line of rest) this.lines.push(`\t${line}`);
    return this;
  }

  /** kubectl's printLabelsMultiline: one `k=v` per line, sorted; `<none>` when empty. */
  labels(level: number, title: string, map: Record<string, string> | undefined, skip: string[] = []): this {
    const keys = Object.keys(map ?? {})
      .filter((k) => !skip.includes(k))
      .sort();
    return this.field(level, title, keys.map((k) => `${k}=${map![k]}`).join('\n'));
  }

  append(other: Lines): this {
    this.lines.push(...other.lines);
    return this;
  }

  toString(): string {
    return this.lines.map((l) => `${l}\n`).join('');
  }
}

/** 'a=1,b=2' (labels.FormatLabels): sorted, `<none>` when empty. */
export function formatMap(map: Record<string, string> | undefined): string {
  const keys = Object.keys(map ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${map![k]}`).join(',');
}

/** A LabelSelector as kubectl prints it: `app=web,tier in (a,b)`; `<none>` for none. */
export function formatSelector(selector: Obj | undefined): string {
  if (!selector) return '<none>';
  const parts = Object.keys(selector.matchLabels ?? {})
    .sort()
    .map((k) => `${k}=${selector.matchLabels[k]}`);
  for (const e of (selector.matchExpressions ?? []) as Obj[]) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

/** Go's time.RFC1123Z: `Mon, 07 Dec 2026 01:27:27 +0000`. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/** Go's %v of a []string: `[a b]`. */
export function goList(items: string[] | undefined): string {
  return `[${(items ?? []).join(' ')}]`;
}

/** `Kind/name` of the object's controller, as "Controlled By" shows it. */
export function controllerOf(o: Obj): string | undefined {
  const owner = ((o.metadata?.ownerReferences ?? []) as Obj[]).find((ref) => ref.controller);
  return owner ? `${owner.kind}/${owner.name}` : undefined;
}
