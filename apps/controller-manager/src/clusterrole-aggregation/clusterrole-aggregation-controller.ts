/**
 * The clusterrole-aggregation controller (kube's pkg/controller/clusterroleaggregation): a
 * ClusterRole with an aggregationRule gets, as its rules, the rules of every other ClusterRole
 * that one of its selectors matches — `admin`, `edit` and `view` grow when a CRD's installer adds
 * a ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-view: "true"`.
 *
 * Rules are gathered selector by selector, matching roles by name, each rule once (the first time
 * it is seen), so the result is stable and written only when it changed. Which aggregated role a
 * change concerns is not known without walking every selector, and ClusterRoles are few, so
 * every change queues every aggregated role, as upstream does.
 */
import { deepEqual, findResource, fromLabelSelector, type LabelSelector, type PolicyRule } from '@skiff/api';
import { watch, type EventMapper, type KubeObject, type Lister, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { keyedController, type Controller } from '../controller.ts';

export interface ClusterRole extends KubeObject {
  rules?: PolicyRule[] | null;
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] } | null;
}

export const clusterRolesResource = findResource('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;

export interface AggregationDeps {
  client: Pick<RestClient, 'update'>;
  clusterRoles: Pick<Lister<ClusterRole>, 'get' | 'list'>;
  logger?: Logger;
}

/** The rules `role` aggregates from `all`, de-duplicated, in selector then name order. */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const nameOf = (r: ClusterRole) => r.metadata?.name ?? '';
  // Byte order, as Go sorts strings: 'Zed' before 'admin'.
  const byName = [...all].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
    // A malformed selector throws: validation refuses them, so this is a stored oddity to retry and log.
    const matcher = fromLabelSelector(selector);
    for (const other of byName) {
      if (nameOf(other) === nameOf(role) || !matcher.matches(other.metadata?.labels ?? {})) continue;
      for (const rule of other.rules ?? []) if (!rules.some((r) => deepEqual(r, rule))) rules.push(rule);
    }
  }
  return rules;
}

export async function syncClusterRole(deps: AggregationDeps, key: string): Promise<SyncResult> {
  const role = deps.clusterRoles.get(undefined, key);
  if (!role?.aggregationRule) return;
  const rules = aggregatedRules(role, deps.clusterRoles.list());
  if (deepEqual(rules, role.rules ?? [])) return;
  deps.logger?.info({ clusterRole: key, rules: rules.length }, 'aggregating ClusterRole rules');
  // A conflict (the role changed since the cache saw it) throws, and the key is retried.
  await deps.client.update<ClusterRole>(clusterRolesResource, { ...structuredClone(role), rules });
}

/** Every aggregated ClusterRole, whatever changed. */
export function aggregationEvents(clusterRoles: Pick<Lister<ClusterRole>, 'list'>): EventMapper<ClusterRole> {
  const everyAggregated = () =>
    clusterRoles
      .list()
      .filter((r) => r.aggregationRule)
      .map((r) => r.metadata!.name!);
  return {
    add: everyAggregated,
    update: (old, role) => (old.metadata?.resourceVersion === role.metadata?.resourceVersion ? undefined : everyAggregated()),
    delete: everyAggregated,
  };
}

export function newClusterRoleAggregationController(): Controller {
  return keyedController('clusterrole-aggregation', 5, (ctx) => {
    const clusterRoles = ctx.informers.informerFor<ClusterRole>(clusterRolesResource);
    const deps: AggregationDeps = { client: ctx.client, clusterRoles, logger: ctx.logger };
    return { watches: [watch(clusterRoles, aggregationEvents(clusterRoles))], sync: (key) => syncClusterRole(deps, key) };
  });
}
