/**
 * Query parameters of resource requests, parsed and checked once so handlers get typed
 * options. Malformed numbers and enum values are 400 BadRequest, as in kube-apiserver.
 */
import { errors } from '../errors.ts';
import type { DeleteOptions, ListQuery, WatchQuery, WriteOptions, UserInfo } from '../registry/handlers.ts';

function optionalInt(q: URLSearchParams, name: string, min = 0): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw errors.badRequest(`invalid value for ${name}: "${raw}" is not an integer`);
  const n = Number(raw);
  if (n < min) throw errors.badRequest(`invalid value for ${name}: ${n} must be >= ${min}`);
  return n;
}

function optionalBool(q: URLSearchParams, name: string): boolean | undefined {
  const raw = q.get(name);
  if (raw === null) return undefined;
  if (raw === '' || raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw errors.badRequest(`invalid value for ${name}: "${raw}" is not a boolean`);
}

function optionalEnum<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw errors.badRequest(`invalid value for ${name}: "${raw}": supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
  return raw as T;
}

function optionalString(q: URLSearchParams, name: string): string | undefined {
  const raw = q.get(name);
  return raw === null || raw === '' ? undefined : raw;
}

export function parseListQuery(q: URLSearchParams): ListQuery {
  const query: ListQuery = {
    labelSelector: optionalString(q, 'labelSelector'),
    fieldSelector: optionalString(q, 'fieldSelector'),
    limit: optionalInt(q, 'limit'),
    continue: optionalString(q, 'continue'),
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: optionalEnum(q, 'resourceVersionMatch', ['Exact', 'NotOlderThan'] as const),
  };
  if (query.resourceVersionMatch && query.resourceVersion === undefined) {
    throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  }
  return dropUndefined(query);
}

export function parseWatchQuery(q: URLSearchParams): WatchQuery {
  return dropUndefined({
    labelSelector: optionalString(q, 'labelSelector'),
    fieldSelector: optionalString(q, 'fieldSelector'),
    resourceVersion: q.get('resourceVersion') ?? undefined,
    allowWatchBookmarks: optionalBool(q, 'allowWatchBookmarks'),
    timeoutSeconds: optionalInt(q, 'timeoutSeconds'),
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

/** DeleteOptions from the query, overridden by a DeleteOptions body (what kubectl sends). */
export function parseDeleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const opts: DeleteOptions = {
    gracePeriodSeconds: optionalInt(q, 'gracePeriodSeconds'),
    propagationPolicy: optionalEnum(q, 'propagationPolicy', propagationPolicies),
    dryRun: parseDryRun(q),
  };
  if (optionalBool(q, 'orphanDependents') === true && !opts.propagationPolicy) opts.propagationPolicy = 'Orphan';
  if (body !== undefined) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest('the body of a delete must be a DeleteOptions object');
    const b = body as Record<string, unknown>;
    if (b.gracePeriodSeconds !== undefined && b.gracePeriodSeconds !== null) {
      if (!Number.isInteger(b.gracePeriodSeconds) || (b.gracePeriodSeconds as number) < 0) throw errors.badRequest('gracePeriodSeconds must be a non-negative integer');
      opts.gracePeriodSeconds = b.gracePeriodSeconds as number;
    }
    if (b.propagationPolicy !== undefined && b.propagationPolicy !== null) {
      if (!(propagationPolicies as readonly unknown[]).includes(b.propagationPolicy)) throw errors.badRequest(`invalid propagationPolicy "${String(b.propagationPolicy)}"`);
      opts.propagationPolicy = b.propagationPolicy as DeleteOptions['propagationPolicy'];
    } else if (b.orphanDependents === true && !opts.propagationPolicy) {
      opts.propagationPolicy = 'Orphan';
    }
    if (b.preconditions && typeof b.preconditions === 'object') {
      const p = b.preconditions as Record<string, unknown>;
      opts.preconditions = dropUndefined({
        uid: typeof p.uid === 'string' ? p.uid : undefined,
        resourceVersion: typeof p.resourceVersion === 'string' ? p.resourceVersion : undefined,
      });
    }
    if (Array.isArray(b.dryRun) && b.dryRun.includes('All')) opts.dryRun = true;
  }
  return dropUndefined(opts);
}

/** Keeps option objects free of explicit undefined keys (exactOptionalPropertyTypes-friendly, and clean in logs). */
function dropUndefined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj;
}
