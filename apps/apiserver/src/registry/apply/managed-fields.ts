/**
 * metadata.managedFields as Kubernetes keeps them: one entry per manager, operation
 * (Apply | Update), apiVersion (for updates) and subresource, each with the fields it
 * owns in FieldsV1. Decoded once per write into sets, changed, encoded back.
 */
import { formatTimestamp } from '../object-helpers.ts';
import { FieldSet } from './field-set.ts';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  time?: string;
  set: FieldSet;
  /** The entry as stored, reused when nothing about it changed. */
  entry?: ManagedFieldsEntry;
}

/** Who a write is made by. */
export interface Actor {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
}

/** Entries are told apart by manager, operation and subresource; updates also by apiVersion (as upstream keys them). */
export function managerKey(m: Actor): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Update' ? m.apiVersion : '', m.subresource]);
}

export type Managers = Map<string, Manager>;

export function decodeManagers(entries: unknown): Managers {
  const out: Managers = new Map();
  if (!Array.isArray(entries)) return out;
  for (const entry of entries as ManagedFieldsEntry[]) {
    if (typeof entry !== 'object' || entry === null || (entry.operation !== 'Apply' && entry.operation !== 'Update')) continue;
    const m: Manager = {
      manager: entry.manager ?? '',
      operation: entry.operation,
      apiVersion: entry.apiVersion ?? '',
      subresource: entry.subresource ?? '',
      set: FieldSet.fromFieldsV1(entry.fieldsV1),
      entry,
      ...(entry.time ? { time: entry.time } : {}),
    };
    const key = managerKey(m);
    const seen = out.get(key);
    out.set(key, seen ? { ...seen, set: seen.set.union(m.set), entry: undefined } : m);
  }
  return out;
}

/** Entries in upstream's order: Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeManagers(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => m.set.size > 0);
  list.sort(
    (p, q) =>
      compare(p.operation, q.operation) ||
      compare(p.time ?? '', q.time ?? '') ||
      compare(p.manager, q.manager) ||
      compare(p.apiVersion, q.apiVersion) ||
      compare(p.subresource, q.subresource),
  );
  return list.map(
    (m) =>
      m.entry ?? {
        manager: m.manager,
        operation: m.operation,
        apiVersion: m.apiVersion,
        ...(m.time ? { time: m.time } : {}),
        fieldsType: 'FieldsV1',
        fieldsV1: m.set.toFieldsV1(),
        ...(m.subresource ? { subresource: m.subresource } : {}),
      },
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Replaces a manager's set, stamping the time when what it owns or the object changed. */
export function setOwned(managers: Managers, actor: Actor, set: FieldSet, now: Date, objectChanged: boolean): void {
  const key = managerKey(actor);
  const before = managers.get(key);
  if (before && !objectChanged && before.set.equals(set) && before.apiVersion === actor.apiVersion) return;
  managers.set(key, { ...actor, set, time: formatTimestamp(now) });
}

/** Takes `fields` away from every manager but `except`. */
export function disown(managers: Managers, fields: FieldSet, except: string): void {
  if (fields.size === 0) return;
  for (const [key, m] of managers) {
    if (key === except) continue;
    const left = m.set.difference(fields);
    if (left.size !== m.set.size) managers.set(key, { ...m, set: left, entry: undefined });
  }
}

/** Upstream's DefaultMaxUpdateManagers: more Update entries than this are merged, oldest first. */
export const MAX_UPDATE_MANAGERS = 10;
/** The manager the oldest Update entries are merged into, one entry per apiVersion. */
export const ANCIENT_CHANGES = 'ancient-changes';

/**
 * Keeps at most `max` Update entries, as upstream's capManagersManager does: the oldest
 * (by time, then key) are merged into an `ancient-changes` entry of their apiVersion —
 * the first old entry of a version joins that bucket when a second one does — and
 * the bucket takes the time of the last entry merged into it. Apply entries are never merged.
 * Example with max 2 and updates a(v1, oldest), b(v1), c(v1): a is kept as the first v1
 * entry, b joins it as `ancient-changes` (a ∪ b, b's time): two entries, the cap holds.
 */
export function capUpdateManagers(managers: Managers, max = MAX_UPDATE_MANAGERS): void {
  const updaters = [...managers]
    .filter(([, m]) => m.operation === 'Update' && m.set.size > 0)
    .sort(([pk, p], [qk, q]) => compare(p.time ?? '', q.time ?? '') || compare(pk, qk));
  let length = updaters.length;
  const firstOfVersion = new Map<string, string>();
  for (const [key, m] of updaters) {
    if (length <= max) break;
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, key);
      continue;
    }
    const bucket: Actor = { manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: m.apiVersion, subresource: '' };
    // The bucket gathers the first entry of the version (once), any earlier bucket, and this entry.
    let set = new FieldSet();
    for (const source of new Set([first, managerKey(bucket), key])) {
      const merged = managers.get(source);
      if (!merged) continue;
      set = set.union(merged.set);
      managers.delete(source);
      length--;
    }
    managers.set(managerKey(bucket), { ...bucket, set, ...(m.time ? { time: m.time } : {}) });
    length++;
  }
}
