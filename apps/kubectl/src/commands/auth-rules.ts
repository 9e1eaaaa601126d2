/**
 * `kubectl auth can-i --list`'s table from a SelfSubjectRulesReview status, as kubectl prints
 * it: each rule broken down to one verb × group × resource × name, the single-resource ones
 * folded back together by verb, sorted by the rule's Go String() (so by verbs first), then
 * `Resources  Non-Resource URLs  Resource Names  Verbs` with Go's `[a b]` lists.
 */
import type { PolicyRule } from '@skiff/api';
import { formatColumns } from '../printers/table-printer.ts';

export interface RulesReviewStatus {
  resourceRules?: PolicyRule[];
  nonResourceRules?: PolicyRule[];
  incomplete?: boolean;
  evaluationError?: string;
}

/** Go's %v of a []string. */
export function goList(values: string[] | undefined): string {
  return `[${(values ?? []).join(' ')}]`;
}

/** rbacutil.BreakdownRule: at most one verb, resource and resource name (or URL) per rule. */
function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
        for (const name of names)
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb], ...(name === undefined ? {} : { resourceNames: [name] }) });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

/** rbacutil.CompactRules: rules of one group, one resource and at most one name merge their verbs. */
function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const isSimple = (rule.resourceNames?.length ?? 0) <= 1 && !rule.nonResourceURLs?.length && rule.apiGroups?.length === 1 && rule.resources?.length === 1;
    if (!isSimple) {
      compacted.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups![0], rule.resources![0], rule.resourceNames?.[0] ?? null]);
    const existing = simple.get(key);
    if (!existing) simple.set(key, { ...rule, verbs: [...rule.verbs] });
    else for (const verb of rule.verbs) if (!existing.verbs.includes(verb)) existing.verbs.push(verb);
  }
  return [...compacted, ...simple.values()];
}

/** The generated PolicyRule.String() kubectl sorts by. */
function ruleString(r: PolicyRule): string {
  return `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups)},Resources:${goList(r.resources)},ResourceNames:${goList(r.resourceNames)},NonResourceURLs:${goList(r.nonResourceURLs)},}`;
}

/** describe.CombineResourceGroup: `deployments.apps`, `pods/log`, `deployments.apps/scale`. */
function combineResourceGroup(resources: string[] | undefined, groups: string[] | undefined): string {
  if (!resources?.length) return '';
  const [resource, sub] = resources[0].split(/\/(.*)/s);
  return `${resource}${groups?.[0] ? `.${groups[0]}` : ''}${sub !== undefined ? `/${sub}` : ''}`;
}

export function formatRulesTable(status: RulesReviewStatus, headers: boolean): string {
  const rules = [
    ...(status.resourceRules ?? []).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames })),
    ...(status.nonResourceRules ?? []).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
  ];
  const compacted = compactRules(rules.flatMap(breakdownRule));
  const keyed = compacted.map((rule) => ({ rule, key: ruleString(rule) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows = keyed.map(({ rule }) => [
    combineResourceGroup(rule.resources, rule.apiGroups),
    goList(rule.nonResourceURLs),
    goList(rule.resourceNames),
    goList(rule.verbs),
  ]);
  if (headers) rows.unshift(['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
  return rows.length > 0 ? formatColumns(rows) : '';
}
