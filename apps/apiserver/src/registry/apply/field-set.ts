/**
 * Field sets as server-side apply keeps them (structured-merge-diff's fieldpath.Set): a
 * set of paths, each a list of path elements in the FieldsV1 spelling —
 *   `f:<name>`            a field of an object        (printed `.name`)
 *   `k:{"name":"web"}`    a list item by its keys     (printed `[name="web"]`)
 *   `v:"x"`               an item of a set list       (printed `[="x"]`)
 *   `i:3`                 a list item by index        (printed `[3]`)
 * A path is held as its elements joined by NUL so set algebra is plain Set<string> work.
 * Pure: no registry imports (it may move into libs/api once that package exports it).
 */

const SEP = '\u0000';

export type PathElement = string;

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/**
 * A keyed item: keys in name order, as upstream serialises them. A key the item omits
 * takes its default when it has one; without either the item has no key (undefined).
 */
export function keyElement(item: Record<string, unknown>, keys: readonly string[], defaults: Readonly<Record<string, unknown>> = {}): PathElement | undefined {
  const out: Record<string, unknown> = {};
  for (const key of [...keys].sort()) {
    const value = item[key] ?? defaults[key];
    if (value === undefined || value === null) return undefined;
    out[key] = value;
  }
  return `k:${JSON.stringify(out)}`;
}

export function valueElement(value: unknown): PathElement {
  return `v:${JSON.stringify(value)}`;
}

/** `.spec.replicas`, `.spec.containers[name="web"].image`: how conflicts name a field. */
export function formatPath(elements: readonly PathElement[]): string {
  let out = '';
  for (const el of elements) {
    const body = el.slice(2);
    if (el.startsWith('f:')) out += `.${body}`;
    else if (el.startsWith('k:')) {
      const key = JSON.parse(body) as Record<string, unknown>;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (el.startsWith('v:')) out += `[=${body}]`;
    else out += `[${body}]`;
  }
  return out;
}

export class FieldSet {
  readonly #paths: Set<string>;

  constructor(paths: Iterable<string> = []) {
    this.#paths = new Set(paths);
  }

  get size(): number {
    return this.#paths.size;
  }

  insert(elements: readonly PathElement[]): void {
    this.#paths.add(elements.join(SEP));
  }

  has(elements: readonly PathElement[]): boolean {
    return this.#paths.has(elements.join(SEP));
  }

  /** Every path, as elements. */
  *paths(): Iterable<PathElement[]> {
    for (const p of this.#paths) yield p.split(SEP);
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet(this.#paths);
    for (const p of other.#paths) out.#paths.add(p);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet([...this.#paths].filter((p) => !other.#paths.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    const [small, large] = this.size <= other.size ? [this, other] : [other, this];
    return new FieldSet([...small.#paths].filter((p) => large.#paths.has(p)));
  }

  equals(other: FieldSet): boolean {
    return this.size === other.size && [...this.#paths].every((p) => other.#paths.has(p));
  }

  /** Whether `elements` is in the set or leads to a path in it (something below it is owned). */
  coversOrLeadsTo(elements: readonly PathElement[]): boolean {
    const prefix = elements.join(SEP);
    for (const p of this.#paths) if (p === prefix || p.startsWith(prefix + SEP)) return true;
    return false;
  }

  /**
   * The FieldsV1 tree: `{"f:spec":{"f:replicas":{}}}`; a path that is a member and also has
   * members below it carries `".": {}`. Children sorted as upstream orders path elements.
   */
  toFieldsV1(): Record<string, unknown> {
    interface Node {
      member: boolean;
      children: Map<string, Node>;
    }
    const root: Node = { member: false, children: new Map() };
    for (const p of this.#paths) {
      let node = root;
      for (const el of p.split(SEP)) {
        let child = node.children.get(el);
        if (!child) node.children.set(el, (child = { member: false, children: new Map() }));
        node = child;
      }
      node.member = true;
    }
    const render = (node: Node): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      if (node.member && node.children.size > 0) out['.'] = {};
      for (const key of [...node.children.keys()].sort(compareElements)) out[key] = render(node.children.get(key)!);
      return out;
    };
    return render(root);
  }

  /** Reads a FieldsV1 tree; anything that is not one reads as an empty set. */
  static fromFieldsV1(tree: unknown): FieldSet {
    const out = new FieldSet();
    const walk = (node: unknown, path: PathElement[]): void => {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
      const entries = Object.entries(node);
      if (entries.length === 0 && path.length > 0) out.insert(path);
      for (const [key, child] of entries) {
        if (key === '.') out.insert(path);
        else walk(child, [...path, key]);
      }
    };
    walk(tree, []);
    return out;
  }
}

/** Fields, then keyed items, then set values, then indexes (structured-merge-diff's order). */
const ELEMENT_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareElements(a: string, b: string): number {
  const kind = (ELEMENT_ORDER[a[0]!] ?? 4) - (ELEMENT_ORDER[b[0]!] ?? 4);
  if (kind !== 0) return kind;
  return a < b ? -1 : a > b ? 1 : 0;
}
