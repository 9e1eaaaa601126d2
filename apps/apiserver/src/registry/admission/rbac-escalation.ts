/**
 * RBAC escalation prevention, as kube-apiserver's policybased storages of roles, clusterroles,
 * rolebindings and clusterrolebindings (pkg/registry/rbac/<kind>/policybased): nobody grants,
 * through a role or a binding, a permission it does not hold itself.
 *
 * - Roles and ClusterRoles: allowed when the user may `escalate` the resource, else every rule
 *   must be covered by the rules the user holds (in the role's namespace; cluster-wide for a
 *   ClusterRole). An aggregationRule can gather anything, so setting, changing or dropping one
 *   needs cluster-admin's `*` on everything, whatever `escalate` says.
 * - RoleBindings and ClusterRoleBindings: allowed when the user may `bind` the referenced role
 *   (asked in the binding's namespace), else the user must hold every rule of that role.
 * - system:masters (the apiserver's own writes among them) is never checked; an update that only
 *   touches what the garbage collector writes (owner references, finalizers) is not either.
 *
 * Decisions read the shared watched collections and the authorizer's rules, never etcd.
 */
import { deepEqual, findResource, formatRule, uncoveredRules, type PolicyRule, type ResourceInfo } from '@skiff/api';
import { errors } from '../../errors.ts';
import type { RequestInfo } from '../../http/request-info.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import type { UserInfo } from '../handlers.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const MASTERS_GROUP = 'system:masters';
/** How long a binding waits for a role it names to reach the watched collection (created a moment ago). */
const ROLE_CACHE_GRACE_MS = 500;

/** cluster-admin: what an aggregationRule may end up granting. */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export const rbacEscalationAdmission: AdmissionPlugin = {
  name: 'RBACEscalation',
  async validate(ctx, attrs) {
    if (attrs.res.group !== RBAC_GROUP || attrs.subresource !== '' || !attrs.object) return;
    if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return;
    if (attrs.user.groups.includes(MASTERS_GROUP)) return;
    if (attrs.oldObject && isOnlyMutatingGcFields(attrs.object, attrs.oldObject)) return;
    switch (attrs.res.resource) {
      case 'roles':
      case 'clusterroles':
        return checkRole(ctx, attrs);
      case 'rolebindings':
      case 'clusterrolebindings':
        return checkBinding(ctx, attrs);
    }
  },
};

async function checkRole(ctx: RegistryContext, attrs: AdmissionAttributes): Promise<void> {
  const { res, user, namespace } = attrs;
  // Upstream asks with the request's name, which a create (POST to the collection) does not have.
  const name = attrs.operation === 'CREATE' ? '' : attrs.name;
  if (await isAllowed(ctx, user, { verb: 'escalate', resource: res.resource, name, namespace })) return;
  confirmNoEscalation(ctx, res, attrs.name, user, namespace, rulesOf(attrs.object!));
  if (res.resource === 'clusterroles' && (hasAggregationRule(attrs.object!) || hasAggregationRule(attrs.oldObject))) {
    if (uncoveredRules(ctx.authorization.rulesFor(user, undefined), FULL_AUTHORITY).length > 0) {
      throw errors.forbidden(res, attrs.name, 'must have cluster-admin privileges to use the aggregationRule');
    }
  }
}

async function checkBinding(ctx: RegistryContext, attrs: AdmissionAttributes): Promise<void> {
  const { res, user, namespace } = attrs;
  const roleRef = (attrs.object!.roleRef ?? {}) as { kind?: string; name?: string };
  const roleResource = roleRef.kind === 'Role' ? 'roles' : roleRef.kind === 'ClusterRole' ? 'clusterroles' : undefined;
  // An unknown kind is validation's to refuse (it runs first); nothing can be bound through it.
  if (!roleResource) return;
  const roleName = roleRef.name ?? '';
  if (await isAllowed(ctx, user, { verb: 'bind', resource: roleResource, name: roleName, namespace })) return;
  const role = await findRole(ctx, roleResource, roleResource === 'roles' ? namespace : undefined, roleName);
  confirmNoEscalation(ctx, res, attrs.name, user, namespace, rulesOf(role));
}

async function isAllowed(
  ctx: RegistryContext,
  user: UserInfo,
  ask: { verb: string; resource: string; name: string; namespace: string | undefined },
): Promise<boolean> {
  const info: RequestInfo = {
    isResourceRequest: true,
    path: '',
    verb: ask.verb,
    apiPrefix: 'apis',
    group: RBAC_GROUP,
    version: '*',
    namespace: ask.namespace,
    resource: ask.resource,
    subresource: '',
    name: ask.name,
    rest: [],
  };
  return (await ctx.authorization.authorize(user, info)).allowed;
}

/** ConfirmNoEscalation: the user's rules in `namespace` must cover `rules`, or 403 listing what is missing. */
function confirmNoEscalation(ctx: RegistryContext, res: ResourceInfo, name: string, user: UserInfo, namespace: string | undefined, rules: PolicyRule[]): void {
  const missing = uncoveredRules(ctx.authorization.rulesFor(user, namespace), rules);
  if (missing.length === 0) return;
  const described = [...new Set(compactRules(missing).map(formatRule))].sort();
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
  throw errors.forbidden(
    res,
    name,
    `user ${JSON.stringify(user.username)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${described.join('\n')}`,
  );
}

/**
 * CompactRules: single-group, single-resource pieces (at most one name) that differ only by verb
 * become one rule, so a missing `get, list` on secrets reads as one line. Others stay as they are.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const simple = new Map<string, PolicyRule>();
  const others: PolicyRule[] = [];
  for (const rule of rules) {
    const names = rule.resourceNames ?? [];
    if (rule.nonResourceURLs?.length || names.length > 1 || rule.apiGroups?.length !== 1 || rule.resources?.length !== 1) {
      others.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups![0], rule.resources![0], names[0] ?? null]);
    const existing = simple.get(key);
    if (!existing) simple.set(key, { ...rule, verbs: [...rule.verbs] });
    else for (const verb of rule.verbs) if (!existing.verbs.includes(verb)) existing.verbs.push(verb);
  }
  return [...others, ...simple.values()];
}

/**
 * The role a binding refers to, from the apiserver's watched collection. One created a moment ago
 * may not have arrived yet, so a miss waits briefly for it before answering 404 as upstream does.
 */
async function findRole(ctx: RegistryContext, resource: 'roles' | 'clusterroles', namespace: string | undefined, name: string): Promise<KubeObject> {
  const info = findResource(RBAC_GROUP, 'v1', resource)!;
  const collection = ctx.watched.of(info);
  await collection.synced;
  const found =
    collection.get(namespace, name) ??
    (await new Promise<KubeObject | undefined>((resolve) => {
      const stop = collection.onChange((current) => {
        if (current?.metadata.name !== name || current.metadata.namespace !== namespace) return;
        finish(current);
      });
      const timer = setTimeout(() => finish(collection.get(namespace, name)), ROLE_CACHE_GRACE_MS);
      function finish(role: KubeObject | undefined): void {
        clearTimeout(timer);
        stop();
        resolve(role);
      }
    }));
  if (!found) throw errors.notFound(info, name);
  return found;
}

function rulesOf(role: KubeObject): PolicyRule[] {
  return Array.isArray(role.rules) ? (role.rules as PolicyRule[]) : [];
}

function hasAggregationRule(role: KubeObject | undefined): boolean {
  const selectors = (role?.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined)?.clusterRoleSelectors;
  return Array.isArray(selectors) && selectors.length > 0;
}

/** Metadata the server or the garbage collector writes; a change to these alone grants nothing. */
const gcAndServerFields = ['ownerReferences', 'finalizers', 'selfLink', 'managedFields', 'resourceVersion', 'generation'];

/** IsOnlyMutatingGCFields: the update changes nothing but owner references and finalizers. */
function isOnlyMutatingGcFields(object: KubeObject, old: KubeObject): boolean {
  const strip = (obj: KubeObject) => {
    const metadata: Record<string, unknown> = { ...obj.metadata };
    for (const field of gcAndServerFields) delete metadata[field];
    return { ...obj, metadata };
  };
  return deepEqual(strip(object), strip(old));
}
