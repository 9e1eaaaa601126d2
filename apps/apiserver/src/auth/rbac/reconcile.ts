/**
 * Writes the default policy (bootstrap-policy.ts) on every apiserver start, as `kubectl auth
 * reconcile` and upstream's storage_rbac post-start hook do: a missing object is created; an
 * existing one gets the rules, aggregation selectors, subjects, labels and annotations it lacks,
 * unless it is annotated `rbac.authorization.kubernetes.io/autoupdate: "false"` (an
 * administrator's way of keeping a default object as they changed it). Nothing is ever removed.
 * A binding whose roleRef changed is deleted and recreated, since roleRef is immutable.
 *
 * Aggregated roles (admin, edit, view) are written with the rules of the default roles they
 * select, so they carry their rules from the first start even before the aggregation controller
 * has run; the controller keeps them current from then on.
 */
import { isDeepStrictEqual } from 'node:util';
import { uncoveredRules, type PolicyRule, type ResourceInfo } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { ApiError } from '../../errors.ts';
import { createObject } from '../../registry/create.ts';
import { deleteOne } from '../../registry/delete.ts';
import type { RegistryContext } from '../../registry/context.ts';
import { APISERVER_USER } from '../../registry/handlers.ts';
import { updateObject } from '../../registry/update.ts';
import type { KubeObject } from '../../storage/store.ts';
import { AUTOUPDATE_ANNOTATION, bootstrapPolicy, type BootstrapPolicy } from './bootstrap-policy.ts';
import { clusterRoleBindingsResource, clusterRolesResource, roleBindingsResource, rolesResource, type RoleRef, type Subject } from './rbac-authorizer.ts';

/** The apiserver's own writes (registry/bootstrap.ts writes as the same user). */

interface AggregationRule {
  clusterRoleSelectors?: { matchLabels?: Record<string, string> }[];
}

const sameJson = isDeepStrictEqual;

/** Labels and annotations the existing object lacks are added; its own values win. */
function mergeMetadata(existing: KubeObject, expected: KubeObject): KubeObject['metadata'] {
  return {
    ...existing.metadata,
    labels: { ...expected.metadata.labels, ...existing.metadata.labels },
    annotations: { ...expected.metadata.annotations, ...existing.metadata.annotations },
  };
}

/** The object reconciled: `existing` plus what `expected` has and it lacks. */
export function reconcileRole(existing: KubeObject, expected: KubeObject): KubeObject {
  const rules = [...((existing.rules as PolicyRule[] | undefined) ?? [])];
  for (const wanted of (expected.rules as PolicyRule[] | undefined) ?? []) {
    if (uncoveredRules(rules, [wanted]).length > 0) rules.push(wanted);
  }
  const result: KubeObject = { ...existing, metadata: mergeMetadata(existing, expected), rules };
  const wantedAggregation = expected.aggregationRule as AggregationRule | undefined;
  if (wantedAggregation) {
    const selectors = [...((existing.aggregationRule as AggregationRule | undefined)?.clusterRoleSelectors ?? [])];
    for (const selector of wantedAggregation.clusterRoleSelectors ?? []) {
      if (!selectors.some((s) => sameJson(s, selector))) selectors.push(selector);
    }
    result.aggregationRule = { clusterRoleSelectors: selectors };
  }
  return result;
}

export function reconcileBinding(existing: KubeObject, expected: KubeObject): KubeObject {
  const subjects = [...((existing.subjects as Subject[] | undefined) ?? [])];
  for (const wanted of (expected.subjects as Subject[] | undefined) ?? []) {
    if (!subjects.some((s) => s.kind === wanted.kind && s.name === wanted.name && (s.namespace ?? '') === (wanted.namespace ?? ''))) subjects.push(wanted);
  }
  return { ...existing, metadata: mergeMetadata(existing, expected), subjects };
}

/** What aggregation would put into each aggregated role, from the policy's own roles (to a fixpoint: edit includes view). */
export function withAggregatedRules(clusterRoles: KubeObject[]): KubeObject[] {
  const selects = (aggregated: KubeObject, role: KubeObject) =>
    ((aggregated.aggregationRule as AggregationRule).clusterRoleSelectors ?? []).some((s) =>
      Object.entries(s.matchLabels ?? {}).every(([k, v]) => role.metadata.labels?.[k] === v),
    );
  let changed = true;
  while (changed) {
    changed = false;
    for (const aggregated of clusterRoles.filter((r) => r.aggregationRule)) {
      for (const role of clusterRoles) {
        if (role === aggregated || !selects(aggregated, role)) continue;
        const merged = reconcileRole(aggregated, { ...aggregated, rules: role.rules });
        if ((merged.rules as PolicyRule[]).length !== (aggregated.rules as PolicyRule[]).length) {
          aggregated.rules = merged.rules;
          changed = true;
        }
      }
    }
  }
  return clusterRoles;
}

function nameOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

async function reconcileOne(
  ctx: RegistryContext,
  res: ResourceInfo,
  expected: KubeObject,
  reconcile: (existing: KubeObject, expected: KubeObject) => KubeObject,
): Promise<'created' | 'updated' | 'unchanged' | 'skipped'> {
  const { namespace, name } = expected.metadata as { namespace?: string; name: string };
  for (let attempt = 1; ; attempt++) {
    let existing: KubeObject | undefined;
    try {
      existing = await ctx.store.get(res, namespace, name);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 404) throw err;
    }
    try {
      if (!existing) {
        await createObject(ctx, res, namespace, structuredClone(expected), { user: APISERVER_USER });
        return 'created';
      }
      if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return 'skipped';
      const wantedRef = expected.roleRef as RoleRef | undefined;
      if (wantedRef && !sameJson({ ...(existing.roleRef as RoleRef), apiGroup: undefined }, { ...wantedRef, apiGroup: undefined })) {
        await deleteOne(ctx, res, namespace, name, { user: APISERVER_USER, preconditions: { uid: existing.metadata.uid! } });
        continue;
      }
      const desired = reconcile(existing, expected);
      if (sameJson(desired, existing)) return 'unchanged';
      await updateObject(ctx, res, namespace, name, {
        mode: 'main',
        resourceVersion: existing.metadata.resourceVersion,
        opts: { user: APISERVER_USER },
        transform: () => desired,
      });
      return 'updated';
    } catch (err) {
      // Another apiserver reconciling at the same moment: read again and redo.
      const raced = err instanceof ApiError && (err.reason === 'AlreadyExists' || err.reason === 'Conflict' || err.code === 404);
      if (!raced || attempt >= 10) throw new Error(`reconcile ${res.singular} ${nameOf(expected)}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/** Roles before bindings, so no binding ever points at a role that is not there yet. */
export async function reconcileBootstrapPolicy(ctx: RegistryContext, logger: Logger, policy: BootstrapPolicy = bootstrapPolicy()): Promise<void> {
  const steps: [ResourceInfo, KubeObject[], typeof reconcileRole][] = [
    [clusterRolesResource, withAggregatedRules(policy.clusterRoles), reconcileRole],
    [rolesResource, policy.roles, reconcileRole],
    [clusterRoleBindingsResource, policy.clusterRoleBindings, reconcileBinding],
    [roleBindingsResource, policy.roleBindings, reconcileBinding],
  ];
  const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0 };
  for (const [res, objects, reconcile] of steps) {
    const outcomes = await Promise.all(
      objects.map(async (expected) => {
        const outcome = await reconcileOne(ctx, res, expected, reconcile);
        if (outcome === 'updated' || outcome === 'skipped') logger.info({ [res.singular]: nameOf(expected) }, `bootstrap policy: ${outcome} ${res.singular}`);
        return outcome;
      }),
    );
    for (const outcome of outcomes) counts[outcome]++;
  }
  logger.info(counts, 'bootstrap RBAC policy reconciled');
}
