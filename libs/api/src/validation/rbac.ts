/**
 * Role, ClusterRole, RoleBinding and ClusterRoleBinding validation, as pkg/apis/rbac/validation
 * (Kubernetes 1.30): rules need verbs and either resources (with API groups) or non-resource URLs
 * (ClusterRoles only); bindings reference a role of this API group and name subjects of three
 * kinds; a binding's roleRef never changes (delete and recreate it instead).
 */
import { fromLabelSelector } from '../label-selector.ts';
import { checkDns1123Subdomain } from '../names.ts';
import { type FieldError, invalid, invalidEach, isObject, notSupported, required } from './field-error.ts';
import { validateLabelSelector } from './meta.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * path.IsValidPathSegmentName: RBAC objects (and roleRef names) need only be usable as one
 * URL path segment, so `system:controller:job` is a fine name.
 */
export function checkPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

/** Go's %#v of a []string, as an Invalid error prints a list value: `[]string{"/healthz"}`. */
function goStrings(values: unknown[]): string {
  return `[]string{${values.map((v) => JSON.stringify(String(v))).join(', ')}}`;
}

/** field.Invalid for a value Go prints with %#v (a struct or slice), which formatValue would print as JSON. */
function invalidGoValue(field: string, printed: string, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${printed}: ${detail}` };
}

function strings(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** ValidatePolicyRule; `namespaced` for a Role's rules, which cannot name non-resource URLs. */
export function validatePolicyRule(rule: unknown, namespaced: boolean, path: string): FieldError[] {
  if (!isObject(rule)) return [invalid(path, rule, 'must be an object')];
  const errs: FieldError[] = [];
  if (strings(rule.verbs).length === 0) errs.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = strings(rule.nonResourceURLs);
  if (urls.length > 0) {
    const printed = goStrings(urls);
    if (namespaced) errs.push(invalidGoValue(`${path}.nonResourceURLs`, printed, 'namespaced rules cannot apply to non-resource URLs'));
    if (strings(rule.apiGroups).length > 0 || strings(rule.resources).length > 0 || strings(rule.resourceNames).length > 0) {
      errs.push(invalidGoValue(`${path}.nonResourceURLs`, printed, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (strings(rule.apiGroups).length === 0) errs.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (strings(rule.resources).length === 0) errs.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(rules: unknown, namespaced: boolean): FieldError[] {
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules)) return [invalid('rules', rules, 'must be a list')];
  return rules.flatMap((rule, i) => validatePolicyRule(rule, namespaced, `rules[${i}]`));
}

export function validateRole(role: any): FieldError[] {
  return validateRules(role.rules, true);
}

export function validateClusterRole(role: any): FieldError[] {
  const errs = validateRules(role.rules, false);
  const aggregation = role.aggregationRule;
  if (aggregation === undefined || aggregation === null) return errs;
  const path = 'aggregationRule.clusterRoleSelectors';
  const selectors = isObject(aggregation) ? strings(aggregation.clusterRoleSelectors) : [];
  if (selectors.length === 0) errs.push(required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  selectors.forEach((selector, i) => {
    errs.push(...validateLabelSelector(selector, `${path}[${i}]`));
    try {
      fromLabelSelector(selector as any);
    } catch {
      // Upstream prints the nil selector LabelSelectorAsSelector returned with its error.
      errs.push(invalid(`${path}[${i}]`, 'null', 'invalid label selector.'));
    }
  });
  return errs;
}

/** `kinds`: what roleRef.kind may be (RoleBinding: Role or ClusterRole; ClusterRoleBinding: ClusterRole). */
function validateRoleRef(ref: unknown, kinds: readonly string[]): FieldError[] {
  const r = isObject(ref) ? ref : {};
  const errs: FieldError[] = [];
  if (r.apiGroup !== RBAC_GROUP) errs.push(notSupported('roleRef.apiGroup', r.apiGroup ?? '', [RBAC_GROUP]));
  if (!kinds.includes(r.kind)) errs.push(notSupported('roleRef.kind', r.kind ?? '', kinds));
  if (typeof r.name !== 'string' || r.name === '') errs.push(required('roleRef.name'));
  else errs.push(...invalidEach('roleRef.name', r.name, checkPathSegmentName(r.name)));
  return errs;
}

/** ValidateRoleBindingSubject; a ClusterRoleBinding's service accounts must say their namespace. */
export function validateSubject(subject: unknown, namespaced: boolean, path: string): FieldError[] {
  if (!isObject(subject)) return [invalid(path, subject, 'must be an object')];
  const errs: FieldError[] = [];
  const name = typeof subject.name === 'string' ? subject.name : '';
  const apiGroup = subject.apiGroup ?? '';
  if (name === '') errs.push(required(`${path}.name`));
  switch (subject.kind) {
    case 'ServiceAccount':
      if (name !== '') errs.push(...invalidEach(`${path}.name`, name, checkDns1123Subdomain(name)));
      if (apiGroup !== '') errs.push(notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !subject.namespace) errs.push(required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, subject.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(binding: any, namespaced: boolean): FieldError[] {
  const errs = validateRoleRef(binding.roleRef, namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole']);
  const subjects = binding.subjects;
  if (subjects === undefined || subjects === null) return errs;
  if (!Array.isArray(subjects)) return [...errs, invalid('subjects', subjects, 'must be a list')];
  subjects.forEach((subject, i) => errs.push(...validateSubject(subject, namespaced, `subjects[${i}]`)));
  return errs;
}

export function validateRoleBinding(binding: any): FieldError[] {
  return validateBinding(binding, true);
}

export function validateClusterRoleBinding(binding: any): FieldError[] {
  return validateBinding(binding, false);
}

/**
 * A binding's roleRef is immutable: changing what a binding grants in place would let a
 * `update rolebindings` permission stand in for `bind`. Upstream prints the internal struct.
 */
export function validateBindingUpdate(binding: any, old: any): FieldError[] {
  const next = isObject(binding.roleRef) ? binding.roleRef : {};
  const prev = isObject(old.roleRef) ? old.roleRef : {};
  const same = ['apiGroup', 'kind', 'name'].every((k) => (next[k] ?? '') === (prev[k] ?? ''));
  if (same) return [];
  const printed = `rbac.RoleRef{APIGroup:${JSON.stringify(String(next.apiGroup ?? ''))}, Kind:${JSON.stringify(String(next.kind ?? ''))}, Name:${JSON.stringify(String(next.name ?? ''))}}`;
  return [invalidGoValue('roleRef', printed, 'cannot change roleRef')];
}
