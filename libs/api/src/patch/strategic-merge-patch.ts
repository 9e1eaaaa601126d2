import { PatchError } from './patch-error.ts';
import { isJsonEqual, isJsonObject, type JsonObject } from './json-value.ts';
import { describeJson } from './merge-patch.ts';
import { genericObjectPatchMeta, patchMetaFor, type FieldPatchMeta, type TypePatchMeta } from './patch-meta.ts';

/**
 * Kubernetes' strategic merge patch (`application/strategic-merge-patch+json`): what
 * `kubectl apply` (client-side), `kubectl edit`, `kubectl set image` and `kubectl rollout
 * restart` send. Like a JSON merge patch, except that lists the type marks as mergeable
 * (patch-meta.ts) merge element by element, and these directives are honoured:
 *
 * - `$patch: replace | delete | merge` in an object; in a list element, `delete` removes
 *   the element with that merge key and `replace` makes the list the patch's elements;
 * - `$retainKeys: [...]`: fields of the live object not listed are dropped (switching a
 *   Deployment from RollingUpdate to Recreate, a volume from emptyDir to hostPath);
 * - `$deleteFromPrimitiveList/<field>: [...]`: values removed from a list of strings;
 * - `$setElementOrder/<field>: [...]`: the order the client wants for a merged list.
 *
 * `typeKey` is 'apiVersion/kind' ('apps/v1/Deployment', 'v1/Pod'). A kind the table does
 * not know still merges its ObjectMeta lists; its other lists are replaced. Returns a new
 * object; neither input is changed.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, typeKey: string): JsonObject {
  if (!isJsonObject(patch)) {
    throw new PatchError('invalid', `strategic merge patch must be a JSON object, got ${describeJson(patch)}`);
  }
  const meta = patchMetaFor(typeKey) ?? genericObjectPatchMeta;
  // One deep copy of the live object; everything below merges into it in place and copies
  // whatever it takes from the patch, so the result shares nothing with either input.
  const target = isJsonObject(doc) ? structuredClone(doc) : {};
  return mergeObject(target, patch, meta, '');
}

const patchDirective = '$patch';
const retainKeysDirective = '$retainKeys';
const setElementOrderPrefix = '$setElementOrder/';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';

function isDirectiveKey(key: string): boolean {
  return key === patchDirective || key === retainKeysDirective || key.startsWith(setElementOrderPrefix) || key.startsWith(deleteFromPrimitiveListPrefix);
}

/** The `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>` of one field. */
interface ListDirectives {
  order?: unknown[];
  remove?: unknown[];
}

/** Merges `patch` into `target` (owned by the caller; undefined: a new object). */
function mergeObject(target: JsonObject | undefined, patch: JsonObject, type: TypePatchMeta | undefined, path: string): JsonObject {
  const mode = patch[patchDirective];
  if (mode === 'replace') {
    const { [patchDirective]: _, ...rest } = patch;
    return mergeObject(undefined, rest, type, path);
  }
  // As in Kubernetes, deleting an object through `$patch` leaves it empty.
  if (mode === 'delete') return {};
  if (mode !== undefined && mode !== 'merge') {
    throw new PatchError('invalid', `${where(path)}unknown $patch directive ${JSON.stringify(mode)}`, { path });
  }
  const out = target ?? {};
  applyRetainKeys(out, patch, path);
  const listDirectives = collectListDirectives(patch, path);
  for (const [field, value] of Object.entries(patch)) {
    if (isDirectiveKey(field)) continue;
    mergeField(out, field, value, type?.[field], listDirectives.get(field), join(path, field));
    listDirectives.delete(field);
  }
  // Directives about lists the patch does not otherwise mention: reorder or prune them.
  for (const [field, directives] of listDirectives) {
    mergeField(out, field, undefined, type?.[field], directives, join(path, field));
  }
  return out;
}

/** `value` undefined: only list directives name this field. */
function mergeField(
  out: JsonObject,
  field: string,
  value: unknown,
  meta: FieldPatchMeta | undefined,
  directives: ListDirectives | undefined,
  path: string,
): void {
  const current = out[field];
  if (value === null) {
    delete out[field];
  } else if (Array.isArray(value)) {
    out[field] = mergeListField(Array.isArray(current) ? current : undefined, value, meta, directives, path);
  } else if (value === undefined) {
    if (Array.isArray(current)) out[field] = mergeListField(current, undefined, meta, directives, path);
  } else if (isJsonObject(value)) {
    const into = meta?.strategy !== 'replace' && isJsonObject(current) ? current : undefined;
    out[field] = mergeObject(into, value, meta?.type, path);
  } else {
    out[field] = value;
  }
}

function mergeListField(
  current: unknown[] | undefined,
  patch: unknown[] | undefined,
  meta: FieldPatchMeta | undefined,
  directives: ListDirectives | undefined,
  path: string,
): unknown[] {
  let list: unknown[];
  if (meta?.strategy !== 'merge') {
    // Atomic list: the patch's list wins whole.
    list = patch ? structuredClone(patch) : (current ?? []);
  } else if (meta.mergeKey) {
    list = mergeKeyedList(current ?? [], patch ?? [], meta, path);
  } else {
    list = mergePrimitiveList(current ?? [], patch ?? [], path);
  }
  const remove = directives?.remove;
  if (remove) list = list.filter((item) => !remove.some((value) => isJsonEqual(value, item)));
  if (directives?.order && meta?.strategy === 'merge') {
    list = orderList(list, directives.order, current ?? [], patch ?? [], meta.mergeKey, path);
  }
  return list;
}

/** A set of values: union of the live list and the patch's, first occurrences kept in order. */
function mergePrimitiveList(current: unknown[], patch: unknown[], path: string): unknown[] {
  const out: unknown[] = [];
  for (const item of [...current, ...patch]) {
    if (Array.isArray(item)) throw new PatchError('conflict', `${where(path)}lists of lists are not supported`, { path });
    if (!out.some((seen) => isJsonEqual(seen, item))) out.push(structuredClone(item));
  }
  return out;
}

/**
 * Elements are matched by `mergeKey`: a match merges, a new key appends, and elements the
 * patch does not mention stay. `$patch: delete` elements remove theirs; one
 * `$patch: replace` element makes the list exactly the patch's other elements.
 */
function mergeKeyedList(current: unknown[], patch: unknown[], meta: FieldPatchMeta, path: string): unknown[] {
  const key = meta.mergeKey as string;
  const sameKey = (value: unknown) => (item: unknown) => isJsonObject(item) && isJsonEqual(item[key], value);
  let list = current.slice();
  let replace = false;
  const merges: JsonObject[] = [];
  patch.forEach((item, index) => {
    if (!isJsonObject(item)) {
      throw new PatchError('invalid', `${where(`${path}[${index}]`)}expected an object with merge key "${key}", got ${describeJson(item)}`, { path });
    }
    const mode = item[patchDirective];
    if (mode === undefined) {
      merges.push(item);
    } else if (mode === 'delete') {
      list = list.filter((live) => !sameKey(requireMergeKey(item, key, path))(live));
    } else if (mode === 'replace') {
      replace = true;
    } else if (mode === 'merge') {
      throw new PatchError('unsupported', `${where(path)}merging lists cannot yet be specified in the patch`, { path });
    } else {
      throw new PatchError('invalid', `${where(path)}unknown $patch directive ${JSON.stringify(mode)}`, { path });
    }
  });
  if (replace) return merges.map((item) => mergeObject(undefined, item, meta.type, path));
  for (const item of merges) {
    const value = requireMergeKey(item, key, path);
    const elementPath = `${path}[${key}=${JSON.stringify(value)}]`;
    const at = list.findIndex(sameKey(value));
    if (at >= 0) list[at] = mergeObject(list[at] as JsonObject, item, meta.type, elementPath);
    else list.push(mergeObject(undefined, item, meta.type, elementPath));
  }
  return list;
}

function requireMergeKey(item: JsonObject, key: string, path: string): unknown {
  if (item[key] === undefined || item[key] === null) {
    throw new PatchError('invalid', `${where(path)}map ${JSON.stringify(item)} does not contain declared merge key: ${key}`, { path });
  }
  return item[key];
}

/**
 * `$setElementOrder`: the elements the order names come in that order; elements only the
 * live object has (added by another writer) are woven back in by their live position: one
 * goes before the next named element only if it stood before that element in the live list.
 * Worked example: live [a, x, b], order [b, a] → named [b, a], server-only [x]; x (live 1)
 * is before b (live 2), so x first → [x, b, a]. Live [a, b, x] with the same order gives
 * [b, a, x]: x (live 2) is before neither b (1) nor a (0).
 */
function orderList(list: unknown[], order: unknown[], current: unknown[], patch: unknown[], mergeKey: string | undefined, path: string): unknown[] {
  const keyOf = (item: unknown): unknown => (mergeKey ? (isJsonObject(item) ? item[mergeKey] : undefined) : item);
  const orderKeys = order.map((entry) => {
    if (!mergeKey) return entry;
    if (!isJsonObject(entry) || entry[mergeKey] === undefined) {
      throw new PatchError('invalid', `${where(path)}$setElementOrder entries must name the merge key "${mergeKey}", got ${JSON.stringify(entry)}`, { path });
    }
    return entry[mergeKey];
  });
  const positionIn = (keys: unknown[], item: unknown) => keys.findIndex((k) => isJsonEqual(k, keyOf(item)));
  checkPatchFollowsOrder(patch, orderKeys, positionIn, path);

  const named = list.filter((item) => positionIn(orderKeys, item) >= 0).sort((a, b) => positionIn(orderKeys, a) - positionIn(orderKeys, b));
  const serverOnly = list.filter((item) => positionIn(orderKeys, item) < 0);
  const liveKeys = current.map(keyOf);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length && j < named.length) {
    const s = positionIn(liveKeys, serverOnly[i]);
    const n = positionIn(liveKeys, named[j]);
    out.push(s >= 0 && n >= 0 && s < n ? serverOnly[i++] : named[j++]);
  }
  return out.concat(serverOnly.slice(i), named.slice(j));
}

/** The patch may only mention elements the order names, and in the same relative order. */
function checkPatchFollowsOrder(patch: unknown[], orderKeys: unknown[], positionIn: (keys: unknown[], item: unknown) => number, path: string): void {
  let from = 0;
  for (const item of patch) {
    if (isJsonObject(item) && item[patchDirective] !== undefined) continue;
    const at = positionIn(orderKeys.slice(from), item);
    if (at < 0) {
      throw new PatchError(
        'conflict',
        `${where(path)}the order in the patch list ${JSON.stringify(patch)} doesn't match the $setElementOrder list ${JSON.stringify(orderKeys)}`,
        { path },
      );
    }
    from += at + 1;
  }
}

function applyRetainKeys(out: JsonObject, patch: JsonObject, path: string): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const keep = patch[retainKeysDirective];
  if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) {
    throw new PatchError('invalid', `${where(path)}$retainKeys must be a list of field names, got ${JSON.stringify(keep)}`, { path });
  }
  for (const [field, value] of Object.entries(patch)) {
    if (value === null || isDirectiveKey(field) || keep.includes(field)) continue;
    throw new PatchError('invalid', `${where(path)}field "${field}" is set by the patch but missing from $retainKeys`, { path });
  }
  for (const field of Object.keys(out)) {
    if (!keep.includes(field)) delete out[field];
  }
}

function collectListDirectives(patch: JsonObject, path: string): Map<string, ListDirectives> {
  const found = new Map<string, ListDirectives>();
  for (const [key, value] of Object.entries(patch)) {
    const prefix = key.startsWith(setElementOrderPrefix)
      ? setElementOrderPrefix
      : key.startsWith(deleteFromPrimitiveListPrefix)
        ? deleteFromPrimitiveListPrefix
        : undefined;
    if (!prefix) continue;
    if (!Array.isArray(value)) {
      throw new PatchError('invalid', `${where(path)}${key} must be a list, got ${describeJson(value)}`, { path });
    }
    const field = key.slice(prefix.length);
    const directives = found.get(field) ?? {};
    if (prefix === setElementOrderPrefix) directives.order = value;
    else directives.remove = value;
    found.set(field, directives);
  }
  return found;
}

function join(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

function where(path: string): string {
  return path ? `${path}: ` : '';
}
