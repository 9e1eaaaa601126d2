/**
 * RBAC rule matching, as Kubernetes' rbac/validation and authorizer/rbac do it: whether a
 * PolicyRule allows a request's attributes, and whether a set of rules covers another (the
 * escalation check: a user may only grant what it holds). Pure; the apiserver's authorizer,
 * its escalation admission and the controllers share it.
 */

/** rbac.authorization.k8s.io/v1 PolicyRule. */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** What a request (or an access review) asks: RequestInfo's fields that rules look at. */
export interface RuleAttributes {
  isResourceRequest: boolean;
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  name: string;
  /** Non-resource requests: the URL path. */
  path: string;
}

const ALL = '*';

function hasOrAll(list: readonly string[] | undefined, value: string): boolean {
  if (!list) return false;
  for (const item of list) if (item === ALL || item === value) return true;
  return false;
}

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return hasOrAll(rule.verbs, verb);
}

/** `pods`, `pods/log`, `*`, `pods/*` and `*` + `/scale` as upstream's ResourceMatches. */
function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (!subresource) continue;
    if (r === `*/${subresource}` || r === `${resource}/*`) return true;
  }
  return false;
}

function nameMatches(rule: PolicyRule, name: string): boolean {
  if (!rule.resourceNames || rule.resourceNames.length === 0) return true;
  return rule.resourceNames.includes(name);
}

/** `/healthz`, `*`, or a prefix ending in `*` (`/apis/*`). */
function pathMatches(rule: PolicyRule, path: string): boolean {
  for (const url of rule.nonResourceURLs ?? []) {
    if (url === ALL || url === path) return true;
    if (url.endsWith('*') && path.startsWith(url.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(rule: PolicyRule, attrs: RuleAttributes): boolean {
  if (!verbMatches(rule, attrs.verb)) return false;
  if (!attrs.isResourceRequest) return pathMatches(rule, attrs.path);
  return hasOrAll(rule.apiGroups, attrs.group) && resourceMatches(rule, attrs.resource, attrs.subresource) && nameMatches(rule, attrs.name);
}

export function rulesAllow(rules: Iterable<PolicyRule>, attrs: RuleAttributes): boolean {
  for (const rule of rules) if (ruleAllows(rule, attrs)) return true;
  return false;
}

/**
 * A rule broken into single-valued pieces (one verb, group, resource and name, or one verb
 * and URL), as upstream's BreakdownRule: covering is decided piece by piece.
 */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const pieces: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        if (rule.resourceNames && rule.resourceNames.length > 0) {
          for (const name of rule.resourceNames) pieces.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
        } else {
          pieces.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
        }
      }
    }
    for (const url of rule.nonResourceURLs ?? []) pieces.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return pieces;
}

/** Whether `owner` alone covers the single-valued `piece` (upstream ruleCovers). */
function ruleCovers(owner: PolicyRule, piece: PolicyRule): boolean {
  const verb = piece.verbs[0]!;
  if (!hasOrAll(owner.verbs, verb)) return false;
  if (piece.nonResourceURLs) {
    const url = piece.nonResourceURLs[0]!;
    return (owner.nonResourceURLs ?? []).some((o) => o === ALL || o === url || (o.endsWith('*') && url.startsWith(o.slice(0, -1))));
  }
  const group = piece.apiGroups?.[0];
  const resource = piece.resources?.[0];
  if (group === undefined || resource === undefined || !hasOrAll(owner.apiGroups, group)) return false;
  const resourceCovered = (owner.resources ?? []).some((o) => {
    if (o === ALL || o === resource) return true;
    const slash = resource.indexOf('/');
    if (slash < 0) return false;
    // `pods/*` covers `pods/log`; `*` + `/scale` covers `deployments/scale`.
    return o === `${resource.slice(0, slash)}/*` || o === `*/${resource.slice(slash + 1)}`;
  });
  if (!resourceCovered) return false;
  if (!owner.resourceNames || owner.resourceNames.length === 0) return true;
  const name = piece.resourceNames?.[0];
  return name !== undefined && owner.resourceNames.includes(name);
}

/** The pieces of `requested` that no rule of `owner` covers (empty: fully covered), as upstream's Covers. */
export function uncoveredRules(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of requested) {
    for (const piece of breakdownRule(rule)) {
      if (!owner.some((o) => ruleCovers(o, piece))) missing.push(piece);
    }
  }
  return missing;
}

/**
 * `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}`, as upstream's CompactString
 * prints a rule in messages: non-empty fields in its order, each list as Go's %q prints a []string.
 */
export function formatRule(rule: PolicyRule): string {
  const parts: string[] = [];
  const fields: [string, string[] | undefined][] = [
    ['APIGroups', rule.apiGroups],
    ['Resources', rule.resources],
    ['NonResourceURLs', rule.nonResourceURLs],
    ['ResourceNames', rule.resourceNames],
    ['Verbs', rule.verbs],
  ];
  for (const [label, values] of fields) {
    if (values && values.length > 0) parts.push(`${label}:[${values.map((v) => JSON.stringify(v)).join(' ')}]`);
  }
  return `{${parts.join(', ')}}`;
}
