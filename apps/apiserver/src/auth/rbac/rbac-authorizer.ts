/**
 * kube's RBAC authorizer over the apiserver's watched collections of Roles, ClusterRoles,
 * RoleBindings and ClusterRoleBindings: no etcd read per request. Bindings are indexed by
 * subject (`User:<name>`, `Group:<name>`; a ServiceAccount subject is the user
 * `system:serviceaccount:<ns>:<name>`), kept current by the collections' change listeners, so a
 * decision is a few map lookups (one per username and group) plus matching the bound roles' rules.
 *
 * RBAC only allows: a request no rule covers gets "no opinion", and the union authorizer turns
 * that into a denial when nobody else allows it.
 */
import { findResourceByKind, rulesAllow, type PolicyRule, type ResourceInfo, type RuleAttributes } from '@skiff/api';
import type { AuthorizationDecision } from '../../http/authz.ts';
import type { RequestInfo } from '../../http/request-info.ts';
import type { UserInfo } from '../../registry/handlers.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { WatchedCollection, WatchedCollections } from '../../storage/watched-collection.ts';

export const rolesResource: ResourceInfo = findResourceByKind('rbac.authorization.k8s.io/v1', 'Role')!;
export const clusterRolesResource: ResourceInfo = findResourceByKind('rbac.authorization.k8s.io/v1', 'ClusterRole')!;
export const roleBindingsResource: ResourceInfo = findResourceByKind('rbac.authorization.k8s.io/v1', 'RoleBinding')!;
export const clusterRoleBindingsResource: ResourceInfo = findResourceByKind('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding')!;

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}
export interface RoleRef {
  apiGroup?: string;
  kind: string;
  name: string;
}
interface Binding extends KubeObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** The index key of a binding's subject; a ServiceAccount defaults to the binding's own namespace, as upstream's appliesToUser. */
function subjectKey(subject: Subject, bindingNamespace: string | undefined): string | undefined {
  if (subject.kind === 'User') return `User:${subject.name}`;
  if (subject.kind === 'Group') return `Group:${subject.name}`;
  if (subject.kind === 'ServiceAccount') {
    const ns = subject.namespace || bindingNamespace;
    return ns ? `User:${SERVICE_ACCOUNT_PREFIX}${ns}:${subject.name}` : undefined;
  }
  return undefined;
}

function userKeys(user: UserInfo): string[] {
  return [`User:${user.username}`, ...user.groups.map((g) => `Group:${g}`)];
}

/** `User "u"`, `Group "g"`, `ServiceAccount "sa/ns"` as upstream's describeSubject. */
function describeSubject(subject: Subject, bindingNamespace: string | undefined): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}

/** key of the subject → bindings naming it (by binding key). */
class BindingIndex {
  readonly #bySubject = new Map<string, Map<string, Binding>>();

  constructor(collection: WatchedCollection) {
    for (const obj of collection.values()) this.#add(obj as Binding);
    collection.onChange((current, previous) => {
      if (previous) this.#remove(previous as Binding);
      if (current) this.#add(current as Binding);
    });
  }

  #keysOf(binding: Binding): Set<string> {
    const keys = new Set<string>();
    for (const subject of binding.subjects ?? []) {
      const key = subjectKey(subject, binding.metadata.namespace);
      if (key) keys.add(key);
    }
    return keys;
  }

  #add(binding: Binding): void {
    const id = bindingId(binding);
    for (const key of this.#keysOf(binding)) {
      let bindings = this.#bySubject.get(key);
      if (!bindings) this.#bySubject.set(key, (bindings = new Map()));
      bindings.set(id, binding);
    }
  }

  #remove(binding: Binding): void {
    const id = bindingId(binding);
    for (const key of this.#keysOf(binding)) {
      const bindings = this.#bySubject.get(key);
      if (!bindings) continue;
      bindings.delete(id);
      if (bindings.size === 0) this.#bySubject.delete(key);
    }
  }

  /** Every binding naming one of `keys` (those of one namespace when given), each once. */
  *bindingsFor(keys: readonly string[], namespace?: string): Iterable<Binding> {
    const seen = new Set<string>();
    for (const key of keys) {
      for (const [id, binding] of this.#bySubject.get(key) ?? []) {
        if (namespace !== undefined && binding.metadata.namespace !== namespace) continue;
        if (seen.has(id)) continue;
        seen.add(id);
        yield binding;
      }
    }
  }
}

function bindingId(binding: Binding): string {
  return binding.metadata.namespace ? `${binding.metadata.namespace}/${binding.metadata.name}` : binding.metadata.name!;
}

/** The attributes RBAC matches; the Namespace object itself counts as inside its own namespace, as upstream's RequestInfo says. */
export function ruleAttributesOf(info: RequestInfo): { attrs: RuleAttributes; namespace: string | undefined } {
  const ownNamespace = info.isResourceRequest && info.group === '' && info.resource === 'namespaces' && info.name !== '' ? info.name : undefined;
  return { attrs: info, namespace: info.namespace || ownNamespace };
}

export class RbacAuthorizer {
  readonly #roles: WatchedCollection;
  readonly #clusterRoles: WatchedCollection;
  readonly #roleBindings: BindingIndex;
  readonly #clusterRoleBindings: BindingIndex;

  private constructor(roles: WatchedCollection, clusterRoles: WatchedCollection, roleBindings: WatchedCollection, clusterRoleBindings: WatchedCollection) {
    this.#roles = roles;
    this.#clusterRoles = clusterRoles;
    this.#roleBindings = new BindingIndex(roleBindings);
    this.#clusterRoleBindings = new BindingIndex(clusterRoleBindings);
  }

  /** Built once the four collections have listed: before that an absence would deny wrongly. */
  static async create(watched: WatchedCollections): Promise<RbacAuthorizer> {
    const collections = [rolesResource, clusterRolesResource, roleBindingsResource, clusterRoleBindingsResource].map((res) => watched.of(res));
    await Promise.all(collections.map((c) => c.synced));
    const [roles, clusterRoles, roleBindings, clusterRoleBindings] = collections as [
      WatchedCollection,
      WatchedCollection,
      WatchedCollection,
      WatchedCollection,
    ];
    return new RbacAuthorizer(roles, clusterRoles, roleBindings, clusterRoleBindings);
  }

  #rulesOf(ref: RoleRef, namespace: string | undefined): readonly PolicyRule[] {
    const role =
      ref.kind === 'ClusterRole'
        ? this.#clusterRoles.get(undefined, ref.name)
        : ref.kind === 'Role' && namespace
          ? this.#roles.get(namespace, ref.name)
          : undefined;
    return (role?.rules as PolicyRule[] | undefined) ?? [];
  }

  /** Cluster role bindings first, then the role bindings of the request's namespace, as upstream's VisitRulesFor. */
  *#grants(user: UserInfo, namespace: string | undefined): Iterable<{ binding: Binding; rules: readonly PolicyRule[] }> {
    const keys = userKeys(user);
    for (const binding of this.#clusterRoleBindings.bindingsFor(keys)) yield { binding, rules: this.#rulesOf(binding.roleRef, undefined) };
    if (!namespace) return;
    for (const binding of this.#roleBindings.bindingsFor(keys, namespace)) yield { binding, rules: this.#rulesOf(binding.roleRef, namespace) };
  }

  authorize(user: UserInfo, info: RequestInfo): AuthorizationDecision {
    const { attrs, namespace } = ruleAttributesOf(info);
    for (const { binding, rules } of this.#grants(user, info.isResourceRequest ? namespace : undefined)) {
      if (rulesAllow(rules, attrs)) return { allowed: true, reason: this.#describe(binding, user) };
    }
    return { allowed: false, noOpinion: true, reason: '' };
  }

  /** Every rule RBAC grants `user` in `namespace`, cluster-wide ones included (undefined: cluster-wide only). */
  rulesFor(user: UserInfo, namespace: string | undefined): PolicyRule[] {
    const rules: PolicyRule[] = [];
    for (const grant of this.#grants(user, namespace)) rules.push(...grant.rules);
    return rules;
  }

  #describe(binding: Binding, user: UserInfo): string {
    const ns = binding.metadata.namespace;
    const kind = ns ? 'RoleBinding' : 'ClusterRoleBinding';
    const keys = new Set(userKeys(user));
    const subject = (binding.subjects ?? []).find((s) => keys.has(subjectKey(s, ns) ?? ''))!;
    return `RBAC: allowed by ${kind} "${bindingId(binding).split('/').reverse().join('/')}" of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${describeSubject(subject, ns)}`;
  }
}
