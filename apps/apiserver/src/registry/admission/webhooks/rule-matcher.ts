/**
 * Whether an admission request falls under a webhook's (or a policy's) rules, as upstream's
 * admission/plugin/webhook/predicates/rules does it: operations, apiGroups, apiVersions,
 * resources and scope must all match one rule.
 *
 * Resources read as `resource[/subresource]`: `*` is every resource but no subresource,
 * `*\/*` everything, `pods/*` every subresource of pods, `*\/status` the status of anything.
 */
import type { AdmissionOperation } from '../admission.ts';

export interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

/** What a rule is matched against: the request's group, version, resource and subresource. */
export interface RuleTarget {
  operation: AdmissionOperation;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** The request is namespaced (a Namespace object itself counts as cluster-scoped). */
  namespaced: boolean;
}

const oneOf = (list: readonly string[] | undefined, value: string): boolean => (list ?? []).some((item) => item === '*' || item === value);

function matchesResource(resources: readonly string[] | undefined, resource: string, subresource: string): boolean {
  for (const entry of resources ?? []) {
    const [res = '', sub = ''] = entry.split('/', 2);
    const hasSub = entry.includes('/');
    if (entry === '*/*') return true;
    if (!hasSub) {
      if (subresource === '' && (res === '*' || res === resource)) return true;
      continue;
    }
    if ((res === '*' || res === resource) && (sub === '*' || sub === subresource) && subresource !== '') return true;
  }
  return false;
}

function matchesScope(scope: string | undefined, namespaced: boolean): boolean {
  if (scope === 'Cluster') return !namespaced;
  if (scope === 'Namespaced') return namespaced;
  return true;
}

export function ruleMatches(rule: RuleWithOperations, target: RuleTarget): boolean {
  return (
    oneOf(rule.operations, target.operation) &&
    oneOf(rule.apiGroups, target.group) &&
    oneOf(rule.apiVersions, target.version) &&
    matchesResource(rule.resources, target.resource, target.subresource) &&
    matchesScope(rule.scope, target.namespaced)
  );
}

export function anyRuleMatches(rules: readonly RuleWithOperations[] | undefined, target: RuleTarget): boolean {
  return (rules ?? []).some((rule) => ruleMatches(rule, target));
}
