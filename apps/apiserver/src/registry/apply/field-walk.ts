/**
 * The four walks of server-side apply over JSON values, guided by a TypeHint:
 * - `fieldsOf(config)`: the fields an applied configuration sets (what its manager owns);
 * - `compareValues(old, new)`: which fields an update added, modified or removed;
 * - `mergeApplied(live, config)`: the configuration merged onto the live object;
 * - `removePaths(obj, paths)`: fields taken out of an object.
 */
import { deepEqual } from '../object-helpers.ts';
import { childHint, type TypeHint } from './type-hint.ts';
import { fieldElement, FieldSet, keyElement, valueElement, type PathElement } from './field-set.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listKind(hint: TypeHint | undefined, items: unknown[]): 'atomic' | 'set' | 'map' {
  const kind = hint?.listType ?? 'atomic';
  if (kind === 'map' && !(hint?.keys?.length && items.every((item) => isObject(item) && keyElement(item, hint.keys!, hint.keyDefaults) !== undefined)))
    return 'atomic';
  if (kind === 'set' && !items.every((item) => item === null || typeof item !== 'object')) return 'atomic';
  return kind;
}

/** The element naming a list item: by keys for a map list, by value for a set. */
function itemElement(kind: 'set' | 'map', hint: TypeHint | undefined, item: unknown): PathElement {
  return kind === 'map' ? keyElement(item as Json, hint!.keys!, hint!.keyDefaults)! : valueElement(item);
}

/** Fields set by `value` (structured-merge-diff's ToFieldSet): leaves, atomic values, and each list item itself. */
export function fieldsOf(value: unknown, hint: TypeHint | undefined, out = new FieldSet(), path: PathElement[] = []): FieldSet {
  if (hint?.ignored) return out;
  if (isObject(value) && !hint?.atomic) {
    for (const [name, child] of Object.entries(value)) fieldsOf(child, childHint(hint, name), out, [...path, fieldElement(name)]);
    return out;
  }
  if (Array.isArray(value)) {
    const kind = listKind(hint, value);
    if (kind === 'atomic') out.insert(path);
    else {
      for (const item of value) {
        const itemPath = [...path, itemElement(kind, hint, item)];
        out.insert(itemPath);
        if (kind === 'map') fieldsOf(item, hint?.items, out, itemPath);
      }
    }
    return out;
  }
  if (path.length > 0) out.insert(path);
  return out;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed between two versions of an object, field by field. */
export function compareValues(oldValue: unknown, newValue: unknown, hint: TypeHint | undefined): Comparison {
  const result: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareAt(oldValue, newValue, hint, [], result);
  return result;
}

function compareAt(a: unknown, b: unknown, hint: TypeHint | undefined, path: PathElement[], out: Comparison): void {
  if (hint?.ignored || (a === undefined && b === undefined)) return;
  if (a === undefined) return presentOnlyIn(b, hint, path, out.added);
  if (b === undefined) return presentOnlyIn(a, hint, path, out.removed);
  if (isObject(a) && isObject(b) && !hint?.atomic) {
    for (const name of new Set([...Object.keys(a), ...Object.keys(b)])) {
      compareAt(a[name], b[name], childHint(hint, name), [...path, fieldElement(name)], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const kind = listKind(hint, [...a, ...b]);
    if (kind !== 'atomic') return compareItems(a, b, kind, hint, path, out);
  }
  if (!deepEqual(a, b)) out.modified.insert(path);
}

function compareItems(a: unknown[], b: unknown[], kind: 'set' | 'map', hint: TypeHint | undefined, path: PathElement[], out: Comparison): void {
  const before = new Map(a.map((item) => [itemElement(kind, hint, item), item]));
  const after = new Map(b.map((item) => [itemElement(kind, hint, item), item]));
  for (const [el, item] of after) {
    const itemPath = [...path, el];
    if (!before.has(el)) {
      out.added.insert(itemPath);
      if (kind === 'map') fieldsOf(item, hint?.items, out.added, itemPath);
    } else if (kind === 'map') compareAt(before.get(el), item, hint?.items, itemPath, out);
  }
  for (const [el, item] of before) {
    if (after.has(el)) continue;
    out.removed.insert([...path, el]);
    if (kind === 'map') fieldsOf(item, hint?.items, out.removed, [...path, el]);
  }
}

/** A value that appeared (or vanished) whole: its fields, and an object below the top level as a member itself. */
function presentOnlyIn(value: unknown, hint: TypeHint | undefined, path: PathElement[], into: FieldSet): void {
  if (isObject(value) && !hint?.atomic && path.length > 1) into.insert(path);
  fieldsOf(value, hint, into, path);
}

/**
 * The applied configuration merged onto the live value: objects field by field, map
 * lists item by key (live order kept, new items appended), sets as a union, anything
 * atomic replaced by the configuration's value.
 */
export function mergeApplied(live: unknown, config: unknown, hint: TypeHint | undefined): unknown {
  if (isObject(live) && isObject(config) && !hint?.atomic) {
    const out: Json = { ...live };
    for (const [name, value] of Object.entries(config)) out[name] = mergeApplied(live[name], value, childHint(hint, name));
    return out;
  }
  if (Array.isArray(live) && Array.isArray(config)) {
    const kind = listKind(hint, [...live, ...config]);
    if (kind === 'atomic') return structuredClone(config);
    const out = [...live];
    const index = new Map(live.map((item, i) => [itemElement(kind, hint, item), i]));
    for (const item of config) {
      const at = index.get(itemElement(kind, hint, item));
      if (at === undefined) out.push(structuredClone(item));
      else if (kind === 'map') out[at] = mergeApplied(out[at], item, hint?.items);
    }
    return out;
  }
  return structuredClone(config);
}

/** Removes each path from `obj` in place; a path that no longer leads anywhere is skipped. */
export function removePaths(obj: Json, paths: Iterable<PathElement[]>): void {
  for (const path of paths) {
    let parent: unknown = obj;
    for (let i = 0; i < path.length && parent !== undefined; i++) {
      const el = path[i]!;
      const last = i === path.length - 1;
      if (el.startsWith('f:') && isObject(parent)) {
        if (last) delete parent[el.slice(2)];
        else parent = parent[el.slice(2)];
      } else if (Array.isArray(parent) && (el.startsWith('k:') || el.startsWith('v:'))) {
        const at = findItem(parent, el);
        if (at < 0) parent = undefined;
        else if (last) parent.splice(at, 1);
        else parent = parent[at];
      } else parent = undefined;
    }
  }
}

function findItem(list: unknown[], el: PathElement): number {
  const wanted = JSON.parse(el.slice(2)) as unknown;
  if (el.startsWith('v:')) return list.findIndex((item) => deepEqual(item, wanted));
  const keys = Object.entries(wanted as Json);
  return list.findIndex((item) => isObject(item) && keys.every(([k, v]) => deepEqual(item[k], v)));
}
