/**
 * resourcequota: keeps every ResourceQuota's status exact, as pkg/controller/resourcequota does.
 * status.hard mirrors spec.hard; status.used is recounted from the live objects of the kinds the
 * quota tracks (a quorum list, so a charge the admission plugin made for an object whose write
 * failed is given back). A quota is recounted when it is created or its spec changes, when an
 * object it may count is deleted or a pod reaches a terminal phase (replenishment), and every
 * five minutes (full resync). Keys are `namespace/name` of quotas.
 */
import {
  addLists,
  canonicalList,
  findResource,
  findResourceByKind,
  kindOfQuotaResource,
  listsEqual,
  quotaScopesMatch,
  resources,
  usageOf,
  type Pod,
  type ResourceInfo,
  type ResourceList,
  type ResourceQuota,
} from '@skiff/api';
import { enqueueObject, isNotFound, splitKey, watch, type EventMapper, type Informer, type KubeObject, type RestClient, type SyncResult } from '@skiff/client';
import { keyedController, type Controller } from '../controller.ts';

export const RESYNC_MS = 5 * 60_000;
const quotasResource = findResourceByKind('v1', 'ResourceQuota')!;

/** The served resource of a quota's `group/resource` (built-in kinds; a custom one is not counted). */
function resourceFor(group: string, resource: string): ResourceInfo | undefined {
  const info = resources.find((r) => r.group === group && r.resource === resource);
  return info && findResource(info.group, info.version, info.resource);
}

export interface QuotaSyncDeps {
  client: Pick<RestClient, 'list' | 'update'>;
  quotas: Pick<Informer<ResourceQuota>, 'get'>;
}

/** What the namespace's objects charge against `quota`, for each of its hard resources. */
export async function computeUsed(deps: QuotaSyncDeps, quota: ResourceQuota): Promise<ResourceList> {
  const namespace = quota.metadata!.namespace!;
  const hard = Object.keys(quota.spec?.hard ?? {});
  const kinds = new Map<string, { group: string; resource: string }>();
  for (const name of hard) {
    const kind = kindOfQuotaResource(name);
    if (kind) kinds.set(`${kind.group}/${kind.resource}`, kind);
  }
  let total: ResourceList = {};
  for (const { group, resource } of kinds.values()) {
    const res = resourceFor(group, resource);
    if (!res) continue;
    const list = await deps.client.list<KubeObject>(res, namespace);
    for (const obj of list.items) {
      if (!quotaScopesMatch(quota, group, resource, obj)) continue;
      total = addLists(total, usageOf(group, resource, obj));
    }
  }
  const used: ResourceList = {};
  for (const name of hard) used[name] = total[name] ?? '0';
  return canonicalList(used);
}

export async function syncQuota(deps: QuotaSyncDeps, key: string): Promise<SyncResult> {
  const { namespace, name } = splitKey(key);
  const quota = deps.quotas.get(namespace, name);
  if (!quota) return undefined;
  const hard = canonicalList(quota.spec?.hard as ResourceList | undefined);
  const used = await computeUsed(deps, quota);
  if (!listsEqual(hard, quota.status?.hard as ResourceList) || !listsEqual(used, quota.status?.used as ResourceList)) {
    const next: ResourceQuota = { ...structuredClone(quota), status: { hard, used } };
    try {
      await deps.client.update(quotasResource, next, { subresource: 'status' });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err; // a conflict: the cache is behind (an admission charge); retried with the fresh quota
    }
  }
  return { requeueAfter: RESYNC_MS };
}

/** A quota is worked when it appears or its spec and status.hard disagree (not on its own status writes). */
function quotaEvents(): EventMapper<ResourceQuota> {
  const { add } = enqueueObject<ResourceQuota>();
  return {
    add,
    update: (old, cur) =>
      !listsEqual(old.spec?.hard as ResourceList, cur.spec?.hard as ResourceList) ||
      !listsEqual(cur.spec?.hard as ResourceList, cur.status?.hard as ResourceList) ||
      JSON.stringify(old.spec?.scopes) !== JSON.stringify(cur.spec?.scopes) ||
      JSON.stringify(old.spec?.scopeSelector) !== JSON.stringify(cur.spec?.scopeSelector)
        ? add!(cur)
        : undefined,
  };
}

/** Replenishment: an object that stops counting (deleted; a pod that finished) requeues its namespace's quotas. */
function replenish<T extends KubeObject>(quotas: Informer<ResourceQuota>, released?: (old: T, cur: T) => boolean): EventMapper<T> {
  const all = (obj: T) => quotas.list(obj.metadata?.namespace ?? '').map((q) => `${q.metadata!.namespace}/${q.metadata!.name}`);
  return {
    delete: all,
    ...(released ? { update: (old: T, cur: T) => (released(old, cur) ? all(cur) : undefined) } : {}),
  };
}

const podFinished = (old: Pod, cur: Pod) => {
  const terminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
  return !terminal(old) && terminal(cur);
};

export function newResourceQuotaController(): Controller {
  return keyedController('resourcequota', 5, (ctx) => {
    const quotas = ctx.informers.informerFor<ResourceQuota>(quotasResource);
    const pods = ctx.informers.informerFor<Pod>(findResourceByKind('v1', 'Pod')!);
    const services = ctx.informers.informerFor<KubeObject>(findResourceByKind('v1', 'Service')!);
    const claims = ctx.informers.informerFor<KubeObject>(findResourceByKind('v1', 'PersistentVolumeClaim')!);
    const deps: QuotaSyncDeps = { client: ctx.client, quotas };
    return {
      watches: [
        watch(quotas, quotaEvents()),
        watch(pods, replenish<Pod>(quotas, podFinished)),
        watch(services, replenish(quotas)),
        watch(claims, replenish(quotas)),
      ],
      sync: (key) => syncQuota(deps, key),
    };
  });
}
