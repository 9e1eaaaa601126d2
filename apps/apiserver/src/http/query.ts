/**
 * Query parameters of resource requests, parsed once so handlers get typed options,
 * with kube-apiserver's rules: values are read the way apimachinery converts
 * `url.Values` into ListOptions/DeleteOptions (runtime.Convert_Slice_string_To_*), an
 * unparsable number is 400 BadRequest carrying strconv's words, and options that parse
 * but break the rules are 422 Invalid on the options kind (`ListOptions.meta.k8s.io ""`).
 */
import { forbidden, invalid as invalidField, notSupported, type FieldError } from '@skiff/api';
import { errors } from '../errors.ts';
import type { DeleteOptions, ListQuery, WatchQuery, WriteOptions, UserInfo } from '../registry/handlers.ts';

/**
 * A query boolean as Kubernetes reads it: only "0" and "false" in any case are false;
 * any other value present, even an empty one (`?watch=`) or "True" (the Python client's
 * spelling), is true. This is looser than Go's strconv.ParseBool, and never an error.
 */
export function parseQueryBool(raw: string | null): boolean | undefined {
  if (raw === null) return undefined;
  return !(raw === '0' || raw.toLowerCase() === 'false');
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/**
 * strconv.ParseInt(s, 10, 64): an optional sign, then decimal digits only (no spaces, no
 * underscores, not empty, so `?limit=` is a 400 as upstream), within int64.
 */
function optionalInt(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null) return undefined;
  const quoted = JSON.stringify(raw);
  if (!/^[+-]?\d+$/.test(raw)) throw errors.badRequest(`strconv.ParseInt: parsing ${quoted}: invalid syntax`);
  const n = BigInt(raw);
  if (n < int64Min || n > int64Max) throw errors.badRequest(`strconv.ParseInt: parsing ${quoted}: value out of range`);
  return Number(n);
}

function optionalBool(q: URLSearchParams, name: string): boolean | undefined {
  return parseQueryBool(q.get(name));
}

function optionalString(q: URLSearchParams, name: string): string | undefined {
  const raw = q.get(name);
  return raw === null || raw === '' ? undefined : raw;
}

/** 422 on the options kind, as kube-apiserver answers ValidateListOptions and friends. */
function invalidOptions(kind: string, causes: FieldError[]): never {
  throw errors.invalid(kind, 'meta.k8s.io', '', causes);
}

/** The list/watch options Kubernetes decodes from the query before it picks list or watch. */
interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  continue?: string;
  sendInitialEvents?: boolean;
}

function readListOptions(q: URLSearchParams): ListOptions {
  return {
    labelSelector: optionalString(q, 'labelSelector'),
    fieldSelector: optionalString(q, 'fieldSelector'),
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: optionalString(q, 'resourceVersionMatch'),
    continue: optionalString(q, 'continue'),
    sendInitialEvents: optionalBool(q, 'sendInitialEvents'),
  };
}

/** ValidateListOptions for a list (and a deletecollection). */
function listOptionErrors(o: ListOptions): FieldError[] {
  const causes: FieldError[] = [];
  const match = o.resourceVersionMatch;
  if (match) {
    if (!o.resourceVersion) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (o.continue) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') causes.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && o.resourceVersion === '0')
      causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (o.sendInitialEvents !== undefined) causes.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return causes;
}

/**
 * ValidateListOptions for a watch. Skiff answers streaming lists (`sendInitialEvents`) as a
 * kube-apiserver with the WatchList feature gate off does: refused with 422, after which
 * client-go's reflector falls back to list-then-watch.
 */
function watchOptionErrors(o: ListOptions): FieldError[] {
  const causes: FieldError[] = [];
  const match = o.resourceVersionMatch;
  if (o.sendInitialEvents !== undefined) {
    if (match !== 'NotOlderThan') causes.push(forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
    causes.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled'));
  }
  if (match) {
    if (o.sendInitialEvents === undefined)
      causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') causes.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (o.continue) causes.push(forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return causes;
}

export function parseListQuery(q: URLSearchParams): ListQuery {
  const o = readListOptions(q);
  const limit = optionalInt(q, 'limit');
  const causes = listOptionErrors(o);
  if (causes.length) invalidOptions('ListOptions', causes);
  return dropUndefined({
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    // A negative limit is no limit, as in kube's storage (it pages only when limit > 0).
    limit: limit !== undefined && limit > 0 ? limit : undefined,
    continue: o.continue,
    resourceVersion: o.resourceVersion,
    resourceVersionMatch: o.resourceVersionMatch as ListQuery['resourceVersionMatch'],
  });
}

export function parseWatchQuery(q: URLSearchParams): WatchQuery {
  const o = readListOptions(q);
  const timeoutSeconds = optionalInt(q, 'timeoutSeconds');
  const causes = watchOptionErrors(o);
  if (causes.length) invalidOptions('ListOptions', causes);
  return dropUndefined({
    labelSelector: o.labelSelector,
    fieldSelector: o.fieldSelector,
    resourceVersion: o.resourceVersion,
    allowWatchBookmarks: optionalBool(q, 'allowWatchBookmarks'),
    timeoutSeconds,
  });
}

function parseDryRun(q: URLSearchParams): boolean | undefined {
  const values = q.getAll('dryRun');
  if (values.length === 0) return undefined;
  for (const v of values) {
    if (v !== 'All') throw errors.badRequest(`invalid value for dryRun: "${v}": supported values: "All"`);
  }
  return true;
}

function optionalEnum<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const raw = optionalString(q, name);
  if (raw !== undefined && !(allowed as readonly string[]).includes(raw)) {
    throw errors.badRequest(`invalid value for ${name}: "${raw}": supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
  return raw as T | undefined;
}

export function parseWriteOptions(q: URLSearchParams, user: UserInfo): WriteOptions & { force?: boolean } {
  return dropUndefined({
    dryRun: parseDryRun(q),
    fieldValidation: optionalEnum(q, 'fieldValidation', ['Strict', 'Warn', 'Ignore'] as const),
    fieldManager: optionalString(q, 'fieldManager'),
    force: optionalBool(q, 'force'),
    user,
  });
}

const propagationPolicies = ['Orphan', 'Background', 'Foreground'] as const;
type PropagationPolicy = NonNullable<DeleteOptions['propagationPolicy']>;

/** DeleteOptions from the query, overridden by a DeleteOptions body (what kubectl sends). */
export function parseDeleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  let gracePeriodSeconds = optionalInt(q, 'gracePeriodSeconds');
  let propagationPolicy = q.get('propagationPolicy') ?? undefined;
  let orphanDependents = optionalBool(q, 'orphanDependents');
  let dryRun = parseDryRun(q);
  let preconditions: DeleteOptions['preconditions'];
  if (body !== undefined) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest('the body of a delete must be a DeleteOptions object');
    const b = body as Record<string, unknown>;
    if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null) {
      if (!Number.isInteger(b.gracePeriodSeconds)) throw errors.badRequest('gracePeriodSeconds must be an integer');
      gracePeriodSeconds = b.gracePeriodSeconds as number;
    }
    if (b.propagationPolicy !== undefined && b.propagationPolicy !== null) propagationPolicy = String(b.propagationPolicy);
    if (typeof b.orphanDependents === 'boolean') orphanDependents = b.orphanDependents;
    if (b.preconditions && typeof b.preconditions === 'object') {
      const p = b.preconditions as Record<string, unknown>;
      preconditions = dropUndefined({
        uid: typeof p.uid === 'string' ? p.uid : undefined,
        resourceVersion: typeof p.resourceVersion === 'string' ? p.resourceVersion : undefined,
      });
    }
    if (Array.isArray(b.dryRun) && b.dryRun.includes('All')) dryRun = true;
  }
  // ValidateDeleteOptions: one of the two spellings of the policy, and a known one.
  const causes: FieldError[] = [];
  if (orphanDependents !== undefined && propagationPolicy !== undefined)
    causes.push(invalidField('propagationPolicy', propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set'));
  if (propagationPolicy !== undefined && !(propagationPolicies as readonly string[]).includes(propagationPolicy)) {
    causes.push(notSupported('propagationPolicy', propagationPolicy, ['Foreground', 'Background', 'Orphan', 'nil']));
  }
  if (causes.length) invalidOptions('DeleteOptions', causes);
  return dropUndefined({
    // kube's BeforeDelete reads a negative grace period as one second.
    gracePeriodSeconds: gracePeriodSeconds !== undefined && gracePeriodSeconds < 0 ? 1 : gracePeriodSeconds,
    propagationPolicy: orphanDependents === true ? 'Orphan' : (propagationPolicy as PropagationPolicy | undefined),
    dryRun,
    preconditions,
  });
}

/** Keeps option objects free of explicit undefined keys (exactOptionalPropertyTypes-friendly, and clean in logs). */
function dropUndefined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj;
}
