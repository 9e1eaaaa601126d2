/**
 * ResourceQuota admission, as upstream's plugin/pkg/admission/resourcequota (validating, last in
 * the chain): an object created (or updated to charge more) in a namespace with quotas is checked
 * against every quota that tracks what it charges and whose scopes match it, and each such quota's
 * status.used is charged at once with a compare-and-swap on the quota's resourceVersion (a
 * conflict reads the quota again and checks again), so concurrent creates cannot overshoot.
 * Refusals are 403s in upstream's words:
 *
 * - `exceeded quota: q, requested: pods=1, used: pods=4, limited: pods=4`
 * - `failed quota: q: must specify limits.cpu for: c` (a quota on cpu/memory needs every container to say)
 * - `status unknown for quota: q, resources: pods` (status.hard names what status.used lacks)
 *
 * As upstream, what a quota limits is what its controller took up into status.hard: a quota is
 * enforced from its first sync (a moment after it is created), and a spec change from the next.
 *
 * Dry-run writes are checked but charge nothing. The quota controller recounts later, so a charge
 * for an object whose write then failed is given back at its next sync.
 */
import {
  addLists,
  findResourceByKind,
  maskList,
  quantity,
  quotaResourceMatches,
  quotaScopesMatch,
  subtractLists,
  usageOf,
  type Pod,
  type ResourceList,
  type ResourceQuota,
} from '@skiff/api';
import { ApiError, errors } from '../../errors.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import { qualifiedOf } from '../object-helpers.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';

export const resourceQuotasResource = findResourceByKind('v1', 'ResourceQuota')!;
const MAX_CHARGE_ATTEMPTS = 20;
/** Upstream's validationSet: quotas on these make every container state them. */
const MUST_SPECIFY = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/** `a=1,b=2`, keys sorted (upstream's prettyPrint). */
const prettyPrint = (list: ResourceList) =>
  Object.keys(list)
    .sort()
    .map((k) => `${k}=${list[k]}`)
    .join(',');

function forbidden(attrs: AdmissionAttributes, message: string): ApiError {
  return errors.forbidden(qualifiedOf(attrs.res), attrs.name || (attrs.object?.metadata?.generateName ?? ''), message);
}

/** What this write adds: the new object's usage, less the old one's on update (only increases count). */
function requestedUsage(attrs: AdmissionAttributes): ResourceList {
  const { group, resource } = attrs.res;
  const usage = usageOf(group, resource, attrs.object);
  if (attrs.operation !== 'UPDATE' || !attrs.oldObject) return usage;
  const old = usageOf(group, resource, attrs.oldObject);
  const delta = subtractLists(usage, old);
  for (const k of Object.keys(delta)) if (quantity(delta[k]).isZero()) delete delta[k];
  return delta;
}

/** The resources of `quota` this write charges ([] when the quota does not track it). */
function chargedResources(quota: ResourceQuota, attrs: AdmissionAttributes, requested: ResourceList): string[] {
  const { group, resource } = attrs.res;
  if (!quotaScopesMatch(quota, group, resource, attrs.object)) return [];
  // What the controller has taken up into status.hard (a quota it has not synced yet restricts nothing), as upstream.
  return Object.keys(quota.status?.hard ?? {}).filter(
    (name) => quotaResourceMatches(group, resource, name) && (name in requested || MUST_SPECIFY.includes(name)),
  );
}

/** upstream's pod Constraints: `must specify limits.cpu for: a,b` per missing resource. */
function checkPodConstraints(quota: ResourceQuota, attrs: AdmissionAttributes, names: string[]): void {
  if (attrs.res.group !== '' || attrs.res.resource !== 'pods' || attrs.operation !== 'CREATE') return;
  const required = names.filter((n) => MUST_SPECIFY.includes(n));
  if (required.length === 0) return;
  const missing = new Map<string, string[]>();
  for (const c of (attrs.object as Pod).spec?.containers ?? []) {
    const has = (r: string) => {
      const [kind, res] = r.includes('.') ? r.split('.') : ['requests', r];
      return (c.resources as Record<string, Record<string, unknown> | undefined> | undefined)?.[kind]?.[res] !== undefined;
    };
    for (const r of required) if (!has(r)) missing.set(r, [...(missing.get(r) ?? []), c.name]);
  }
  if (missing.size === 0) return;
  const messages = [...missing.keys()].sort().map((r) => `must specify ${r} for: ${[...new Set(missing.get(r))].sort().join(',')}`);
  const detail = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
  throw forbidden(attrs, `failed quota: ${quota.metadata!.name}: ${detail}`);
}

/** The quota's status after charging `requested`, or a 403 if that exceeds it. */
function charge(quota: ResourceQuota, attrs: AdmissionAttributes, requested: ResourceList, names: string[]): ResourceQuota | undefined {
  const name = quota.metadata!.name!;
  const hard = (quota.status?.hard ?? {}) as ResourceList;
  const used = (quota.status?.used ?? {}) as ResourceList;
  const unknown = names.filter((n) => !(n in used));
  if (unknown.length > 0) throw forbidden(attrs, `status unknown for quota: ${name}, resources: ${unknown.sort().join(',')}`);
  const charged = maskList(requested, names);
  if (Object.keys(charged).length === 0) return undefined;
  const next = addLists(used, charged);
  const exceeded = Object.keys(charged)
    .filter((n) => quantity(next[n]).cmp(quantity(hard[n])) > 0)
    .sort();
  if (exceeded.length > 0) {
    throw forbidden(
      attrs,
      `exceeded quota: ${name}, requested: ${prettyPrint(maskList(charged, exceeded))}, ` +
        `used: ${prettyPrint(maskList(used, exceeded))}, limited: ${prettyPrint(maskList(hard, exceeded))}`,
    );
  }
  return { ...quota, status: { ...quota.status, used: next } };
}

async function freshQuota(ctx: RegistryContext, namespace: string, name: string): Promise<ResourceQuota | undefined> {
  try {
    return (await ctx.store.get(resourceQuotasResource, namespace, name)) as unknown as ResourceQuota;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

/** Checks one quota and charges it, reading it again after a lost compare-and-swap. */
async function admitToQuota(ctx: RegistryContext, attrs: AdmissionAttributes, requested: ResourceList, cached: ResourceQuota): Promise<void> {
  let quota: ResourceQuota | undefined = cached;
  for (let attempt = 0; quota && attempt < MAX_CHARGE_ATTEMPTS; attempt++) {
    const names = chargedResources(quota, attrs, requested);
    if (names.length === 0) return;
    checkPodConstraints(quota, attrs, names);
    const next = charge(quota, attrs, requested, names);
    if (!next || attrs.dryRun) return;
    try {
      await ctx.store.update(resourceQuotasResource, next as unknown as KubeObject, { resourceVersion: quota.metadata!.resourceVersion });
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 409) throw err;
      quota = await freshQuota(ctx, attrs.namespace!, quota.metadata!.name!);
    }
  }
  if (quota) throw errors.conflict(qualifiedOf(attrs.res), attrs.name, 'too many concurrent quota updates; please try again');
}

async function quotasIn(ctx: RegistryContext, namespace: string): Promise<ResourceQuota[]> {
  const collection = ctx.watched.of(resourceQuotasResource);
  if (!collection.isSynced) await collection.synced;
  return [...collection.values(namespace)] as unknown as ResourceQuota[];
}

export const resourceQuotaAdmission: AdmissionPlugin = {
  name: 'ResourceQuota',
  async validate(ctx, attrs) {
    if (attrs.subresource !== '' || !attrs.namespace || !attrs.object) return;
    if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return;
    // A pod's resources do not change on update: upstream charges pods on create only.
    if (attrs.operation === 'UPDATE' && attrs.res.group === '' && attrs.res.resource === 'pods') return;
    const quotas = await quotasIn(ctx, attrs.namespace);
    if (quotas.length === 0) return;
    const requested = requestedUsage(attrs);
    if (Object.keys(requested).length === 0) return;
    for (const quota of quotas) await admitToQuota(ctx, attrs, requested, quota);
  },
};
