import { isJsonEqual, isJsonObject, type JsonObject } from './json-value.ts';
import { genericObjectPatchMeta, patchMetaFor, type FieldPatchMeta, type TypePatchMeta } from './patch-meta.ts';

/**
 * The strategic merge patch client-side `kubectl apply` sends: it turns `current` (the live
 * object) into `modified` (the manifest) for every field the manifest sets, and removes
 * what the user removed from the manifest since `original` (the last-applied
 * configuration) — but leaves alone fields other writers set that neither manifest
 * mentions (a Deployment's status, a defaulted field, an HPA's replicas).
 *
 * - Deletions come from original → modified: a dropped map key becomes `null`, a dropped
 *   element of a merge-keyed list `{<key>: v, $patch: delete}`, a dropped string of a
 *   merged set `$deleteFromPrimitiveList/<field>`. Only what is still live is deleted,
 *   so re-applying an unchanged manifest yields an empty patch.
 * - Additions and changes come from current → modified, recursing into maps and into
 *   merge-keyed list elements; atomic lists are sent whole when they differ.
 * - A merged list the patch touches (or whose order differs) carries
 *   `$setElementOrder/<field>` with the manifest's order, as kubectl sends it.
 *
 * `typeKey` is 'apiVersion/kind' ('apps/v1/Deployment'). `original` may be undefined (no
 * last-applied annotation: nothing is deleted). Returns `{}` when nothing changes.
 */
export function createThreeWayMergePatch(original: unknown, modified: unknown, current: unknown, typeKey: string): JsonObject {
  const meta = patchMetaFor(typeKey) ?? genericObjectPatchMeta;
  return diffObject(asObject(original), asObject(modified) ?? {}, asObject(current), meta);
}

function asObject(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

function diffObject(original: JsonObject | undefined, modified: JsonObject, current: JsonObject | undefined, type: TypePatchMeta | undefined): JsonObject {
  const patch: JsonObject = {};
  for (const [field, want] of Object.entries(modified)) {
    const live = current?.[field];
    const meta = type?.[field];
    if (want === null) {
      // An explicit null in the manifest asks for the field to be gone.
      if (live !== undefined) patch[field] = null;
    } else if (isJsonObject(want)) {
      if (isJsonObject(live) && meta?.strategy !== 'replace') {
        const sub = diffObject(asObject(original?.[field]), want, live, meta?.type);
        if (Object.keys(sub).length > 0) patch[field] = sub;
      } else if (!isJsonEqual(want, live)) {
        patch[field] = structuredClone(want);
      }
    } else if (Array.isArray(want)) {
      const was = original?.[field];
      diffList(patch, field, Array.isArray(was) ? was : undefined, want, Array.isArray(live) ? live : undefined, meta);
    } else if (!isJsonEqual(want, live)) {
      patch[field] = want;
    }
  }
  for (const field of Object.keys(original ?? {})) {
    if (!Object.hasOwn(modified, field) && current !== undefined && Object.hasOwn(current, field)) patch[field] = null;
  }
  return patch;
}

/** Writes the patch of one list field (and its directives) into `patch`, if any is needed. */
function diffList(
  patch: JsonObject,
  field: string,
  original: unknown[] | undefined,
  modified: unknown[],
  current: unknown[] | undefined,
  meta: FieldPatchMeta | undefined,
): void {
  if (meta?.strategy !== 'merge' || current === undefined) {
    // Atomic lists, and merged lists with nothing live to merge into, go whole.
    if (!isJsonEqual(modified, current)) patch[field] = structuredClone(modified);
    return;
  }
  if (meta.mergeKey) diffKeyedList(patch, field, original ?? [], modified, current, meta.mergeKey, meta.type);
  else diffPrimitiveList(patch, field, original ?? [], modified, current);
}

function diffKeyedList(
  patch: JsonObject,
  field: string,
  original: unknown[],
  modified: unknown[],
  current: unknown[],
  key: string,
  type: TypePatchMeta | undefined,
): void {
  const keyOf = (item: unknown): unknown => (isJsonObject(item) ? item[key] : undefined);
  const find = (list: unknown[], value: unknown) => list.find((item) => isJsonEqual(keyOf(item), value));
  const items: unknown[] = [];
  for (const want of modified) {
    if (!isJsonObject(want) || keyOf(want) === undefined) {
      // Not mergeable by key (malformed manifest): let the server judge the whole list.
      if (!isJsonEqual(modified, current)) patch[field] = structuredClone(modified);
      return;
    }
    const live = find(current, keyOf(want));
    if (!isJsonObject(live)) {
      items.push(structuredClone(want));
      continue;
    }
    const sub = diffObject(asObject(find(original, keyOf(want))), want, live, type);
    if (Object.keys(sub).length > 0) items.push({ [key]: keyOf(want), ...sub });
  }
  for (const was of original) {
    const value = keyOf(was);
    if (value !== undefined && find(modified, value) === undefined && find(current, value) !== undefined) {
      items.push({ [key]: value, $patch: 'delete' });
    }
  }
  const wantKeys = modified.map(keyOf);
  const liveOrder = current.map(keyOf).filter((value) => wantKeys.some((k) => isJsonEqual(k, value)));
  const reordered = !isJsonEqual(
    liveOrder,
    wantKeys.filter((k) => liveOrder.some((v) => isJsonEqual(v, k))),
  );
  if (items.length > 0) patch[field] = items;
  if (items.length > 0 || reordered) patch[`$setElementOrder/${field}`] = wantKeys.map((value) => ({ [key]: value }));
}

function diffPrimitiveList(patch: JsonObject, field: string, original: unknown[], modified: unknown[], current: unknown[]): void {
  const has = (list: unknown[], value: unknown) => list.some((item) => isJsonEqual(item, value));
  const added = modified.filter((value) => !has(current, value));
  const removed = original.filter((value) => !has(modified, value) && has(current, value));
  const liveOrder = current.filter((value) => has(modified, value));
  const reordered = !isJsonEqual(
    liveOrder,
    modified.filter((value) => has(liveOrder, value)),
  );
  if (added.length > 0) patch[field] = structuredClone(added);
  if (removed.length > 0) patch[`$deleteFromPrimitiveList/${field}`] = structuredClone(removed);
  if (added.length > 0 || removed.length > 0 || reordered) patch[`$setElementOrder/${field}`] = structuredClone(modified);
}
