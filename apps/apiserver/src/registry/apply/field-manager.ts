/**
 * Field ownership on every write, as Kubernetes' field manager keeps it:
 * - an Update (create, PUT, non-apply PATCH, subresource writes) takes the fields it
 *   added or changed from everyone else, and nobody keeps fields it removed;
 * - an Apply merges the configuration onto the live object, owns exactly the fields the
 *   configuration sets, removes what it applied before and no longer applies (unless
 *   someone else owns it), and refuses to change a field another manager owns (409)
 *   unless forced, which moves the field to it.
 * The field sets are computed once per write: one walk of the configuration, one
 * comparison of the stored and the new object.
 */
import { apiVersionOf, patchMetaFor, type ResourceInfo } from '@skiff/api';
import { ApiError, type StatusCause } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import { isCustomResource } from '../custom-resources/served-resources.ts';
import { APISERVER_USER, type WriteOptions } from '../handlers.ts';
import { deepEqual } from '../object-helpers.ts';
import { formatPath, FieldSet, type PathElement } from './field-set.ts';
import { compareValues, fieldsOf, mergeApplied, removePaths } from './field-walk.ts';
import { KUBECTL_MANAGER, fieldsStillLastApplied, syncLastApplied } from './last-applied.ts';
import { capUpdateManagers, decodeManagers, disown, encodeManagers, managerKey, setOwned, type Actor, type Manager, type Managers } from './managed-fields.ts';
import { hintForEndpoint, hintFromPatchMeta, hintFromSchema, type TypeHint } from './type-hint.ts';

/** The kind's hint and, per endpoint ('' | 'status' | 'scale'...), the hint with its unowned parts. */
interface Hints {
  kind: TypeHint;
  endpoints: Map<string, TypeHint>;
}
const hintsByResource = new WeakMap<ResourceInfo, Hints>();

function hintsOf(res: ResourceInfo): Hints {
  let hints = hintsByResource.get(res);
  if (!hints) {
    const kind = isCustomResource(res) ? hintFromSchema(res.custom.schema) : hintFromPatchMeta(patchMetaFor(`${apiVersionOf(res)}/${res.kind}`));
    hintsByResource.set(res, (hints = { kind, endpoints: new Map() }));
  }
  return hints;
}

function endpointHint(res: ResourceInfo, subresource: string): TypeHint {
  const hints = hintsOf(res);
  let hint = hints.endpoints.get(subresource);
  if (!hint) hints.endpoints.set(subresource, (hint = hintForEndpoint(hints.kind, subresource, res.subresources.includes('status'))));
  return hint;
}

/**
 * Who writes: the `fieldManager` parameter; without one (the HTTP layer fills it from the
 * User-Agent as upstream does) the apiserver's own writes are `kube-apiserver`'s.
 */
export function actorOf(res: ResourceInfo, opts: Pick<WriteOptions, 'fieldManager' | 'user'>, operation: Actor['operation'], subresource: string): Actor {
  const manager = opts.fieldManager ?? (opts.user?.username === APISERVER_USER.username ? 'kube-apiserver' : '');
  return { manager, operation, apiVersion: apiVersionOf(res), subresource };
}

/**
 * Upstream's default manager for a request without `fieldManager`: the User-Agent up to
 * its first `/` (`kubectl-client-side-apply/v1.31.0 (linux/amd64)` → `kubectl-client-side-apply`),
 * printable characters only, at most 128 bytes.
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  let out = '';
  for (const ch of (userAgent ?? '').split('/')[0]!) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out;
}

/**
 * Records an Update by `actor` on `desired` (in place). A write that sets managedFields
 * itself (kubectl's client-side-apply upgrade, or `[{}]` to clear them) is taken as is.
 */
export function recordUpdate(res: ResourceInfo, current: KubeObject | undefined, desired: KubeObject, actor: Actor, now: Date): void {
  const requested = desired.metadata.managedFields;
  if (Array.isArray(requested) && requested.length > 0 && !deepEqual(requested, current?.metadata.managedFields)) {
    setManagedFields(desired, decodeManagers(requested));
    return;
  }
  const managers = decodeManagers(current?.metadata.managedFields);
  const key = managerKey(actor);
  const cmp = compareValues(current ?? {}, desired, endpointHint(res, actor.subresource));
  const changed = cmp.added.union(cmp.modified);
  disown(managers, changed.union(cmp.removed), key);
  const owned = (managers.get(key)?.set ?? new FieldSet()).union(changed).difference(cmp.removed);
  setOwned(managers, actor, owned, now, changed.size + cmp.removed.size > 0);
  setManagedFields(desired, managers);
}

export interface ApplyRequest {
  actor: Actor;
  force: boolean;
  now: Date;
}

/** Upstream's name for whoever set the fields of an object that had no managed fields before its first apply. */
export const BEFORE_FIRST_APPLY = 'before-first-apply';

/**
 * The live object (or none: a create) with the configuration applied and ownership
 * recorded; 409 on conflicts. A live object without managed fields first has its fields
 * recorded as an Update by `before-first-apply` (upstream's skipNonApplied manager), so
 * applying over what someone else set conflicts rather than silently taking it.
 */
export function applyConfiguration(res: ResourceInfo, live: KubeObject | undefined, config: KubeObject, req: ApplyRequest): KubeObject {
  if (live && decodeManagers(live.metadata.managedFields).size === 0) live = withFieldsBeforeFirstApply(res, live, req);
  const hints = hintsOf(res);
  const hint = endpointHint(res, req.actor.subresource);
  const managers = decodeManagers(live?.metadata.managedFields);
  const key = managerKey(req.actor);
  const lastSet = managers.get(key)?.set;
  const merged = mergeApplied(live ?? {}, config, hints.kind) as KubeObject;
  const set = fieldsOf(config, hint);
  if (lastSet) {
    let owned = set;
    for (const [k, m] of managers) if (k !== key) owned = owned.union(m.set);
    removePaths(
      merged,
      [...lastSet.difference(set).paths()].filter((path) => !owned.coversOrLeadsTo(path)),
    );
  }
  const cmp = compareValues(live ?? {}, merged, hint);
  const changed = cmp.added.union(cmp.modified);
  const conflicts = findConflicts(managers, key, changed);
  if (conflicts.length > 0 && !req.force) {
    const refused = req.actor.manager === KUBECTL_MANAGER ? outside(conflicts, fieldsStillLastApplied(live!, req.actor.apiVersion, hint)) : conflicts;
    if (refused.length > 0) throw conflictError(refused);
  }
  for (const c of conflicts) disown(managers, c.fields, key);
  disown(managers, cmp.removed, key);
  setOwned(managers, req.actor, set, req.now, changed.size + cmp.removed.size > 0);
  setManagedFields(merged, managers);
  if (req.actor.manager === KUBECTL_MANAGER) syncLastApplied(merged, config);
  return merged;
}

function withFieldsBeforeFirstApply(res: ResourceInfo, live: KubeObject, req: ApplyRequest): KubeObject {
  const out = structuredClone(live);
  delete out.metadata.managedFields;
  recordUpdate(res, undefined, out, { ...req.actor, manager: BEFORE_FIRST_APPLY, operation: 'Update' }, req.now);
  return out;
}

/** Encodes the managers onto the object, Update entries capped as upstream caps them. */
function setManagedFields(obj: KubeObject, managers: Managers): void {
  capUpdateManagers(managers);
  const entries = encodeManagers(managers);
  obj.metadata = { ...obj.metadata };
  if (entries.length > 0) obj.metadata.managedFields = entries as never;
  else delete obj.metadata.managedFields;
}

interface Conflict {
  manager: Manager;
  fields: FieldSet;
}

/** The conflicts left once `allowed` fields are taken out of each. */
function outside(conflicts: Conflict[], allowed: FieldSet): Conflict[] {
  return conflicts.map((c) => ({ ...c, fields: c.fields.difference(allowed) })).filter((c) => c.fields.size > 0);
}

function findConflicts(managers: Map<string, Manager>, self: string, changed: FieldSet): Conflict[] {
  const out: Conflict[] = [];
  if (changed.size === 0) return out;
  for (const [key, manager] of managers) {
    if (key === self) continue;
    const fields = manager.set.intersection(changed);
    if (fields.size > 0) out.push({ manager, fields });
  }
  return out;
}

/** `"ctl"`, `"ctl" with subresource "status"`, `"ctl" using apps/v1 at 2026-01-02T03:04:05Z` (upstream's printManager). */
function describeManager(m: Manager): string {
  let out = JSON.stringify(m.manager);
  if (m.subresource) out += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') out += m.time ? ` using ${m.apiVersion} at ${m.time}` : ` using ${m.apiVersion}`;
  return out;
}

/** 409 in upstream's words: `Apply failed with 1 conflict: conflict with "a": .spec.replicas`, one FieldManagerConflict cause per field. */
export function conflictError(conflicts: Conflict[]): ApiError {
  const byManager = conflicts
    .map((c) => ({ who: describeManager(c.manager), paths: [...c.fields.paths()].map((p: PathElement[]) => formatPath(p)).sort() }))
    .sort((a, b) => (a.who < b.who ? -1 : a.who > b.who ? 1 : 0));
  const causes: StatusCause[] = byManager.flatMap((m) =>
    m.paths.map((field) => ({ reason: 'FieldManagerConflict', message: `conflict with ${m.who}`, field })),
  );
  const message =
    causes.length === 1
      ? `Apply failed with 1 conflict: conflict with ${byManager[0]!.who}: ${causes[0]!.field}`
      : `Apply failed with ${causes.length} conflicts: ${byManager.map((m) => [`conflicts with ${m.who}:`, ...m.paths.map((p) => `- ${p}`)].join('\n')).join('\n')}`;
  return new ApiError(409, 'Conflict', message, { causes });
}
