/**
 * admissionregistration.k8s.io/v1: webhook configurations and ValidatingAdmissionPolicies,
 * with the field paths and messages of upstream's pkg/apis/admissionregistration/validation
 * and apiserver/pkg/util/webhook (URL and service checks).
 *
 * Differences: upstream still accepts `admissionReviewVersions: [v1beta1]`; Skiff only
 * speaks AdmissionReview v1, so the list must include v1. And Skiff has no CEL `authorizer`
 * (its authorizers answer asynchronously, CEL evaluates synchronously), so an expression that
 * names it is refused when written rather than failing on every request.
 */
import { checkDns1035Label, checkDns1123Subdomain, checkPortNumber, checkQualifiedName } from '../names.ts';
import { type FieldError, duplicate, forbidden, invalid, invalidEach, isObject, notSupported, required, tooMany } from './field-error.ts';
import { validateLabelSelector } from './meta.ts';
import { compileCel } from '../cel/index.ts';

const operations = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const scopes = ['*', 'Cluster', 'Namespaced'];
const failurePolicies = ['Fail', 'Ignore'];
const matchPolicies = ['Equivalent', 'Exact'];
const reinvocationPolicies = ['IfNeeded', 'Never'];
const sideEffectClasses = ['None', 'NoneOnDryRun'];
const reviewVersions = ['v1'];
const validationActions = ['Audit', 'Deny', 'Warn'];

const list = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

function oneOf(field: string, value: unknown, supported: readonly string[]): FieldError[] {
  return value === undefined || value === null || supported.includes(str(value)) ? [] : [notSupported(field, value, supported)];
}

/** utilvalidation.IsFullyQualifiedName: a DNS subdomain of at least three segments. */
export function validateFullyQualifiedName(name: string, field: string): FieldError[] {
  if (name === '') return [required(field)];
  if (name.endsWith('.')) return [invalid(field, name, 'must not have a trailing dot')];
  const errs = checkDns1123Subdomain(name);
  if (errs.length) return [invalid(field, name, errs.join(','))];
  if (name.split('.').length < 3) return [invalid(field, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

/** A list that holds `*` must hold nothing else. */
function wildcardAlone(values: string[], field: string, what: string): FieldError[] {
  return values.length > 1 && values.includes('*') ? [invalid(field, values, `if '*' is present, must not specify other ${what}`)] : [];
}

function validateResources(resources: string[], field: string): FieldError[] {
  if (resources.length === 0) return [required(field)];
  const errs: FieldError[] = [];
  const wildcardSubs = new Set<string>();
  const wildcardResources = new Set<string>();
  let resourceWithoutSub = false;
  resources.forEach((entry, i) => {
    if (entry === '') return void errs.push(required(`${field}[${i}]`));
    const slash = entry.indexOf('/');
    if (slash < 0) return void (resourceWithoutSub ||= entry !== '*');
    const res = entry.slice(0, slash);
    const sub = entry.slice(slash + 1);
    if (wildcardSubs.has(res)) errs.push(invalid(`${field}[${i}]`, entry, `if '${res}/*' is present, must not specify ${entry}`));
    if (wildcardResources.has(sub)) errs.push(invalid(`${field}[${i}]`, entry, `if '*/${sub}' is present, must not specify ${entry}`));
    if (sub === '*') wildcardSubs.add(res);
    if (res === '*') wildcardResources.add(sub);
  });
  if (resources.length > 1 && resources.includes('*/*')) errs.push(invalid(field, resources, "if '*/*' is present, must not specify other resources"));
  if (resources.includes('*') && resourceWithoutSub)
    errs.push(invalid(field, resources, "if '*' is present, must not specify other resources without subresources"));
  return errs;
}

/** validateRuleWithOperations: operations, apiGroups, apiVersions, resources, scope. */
function validateRule(rule: any, field: string): FieldError[] {
  if (!isObject(rule)) return [invalid(field, rule, 'must be an object')];
  const errs: FieldError[] = [];
  const ops = list(rule.operations).map(str);
  if (ops.length === 0) errs.push(required(`${field}.operations`));
  errs.push(...wildcardAlone(ops, `${field}.operations`, 'operations'));
  ops.forEach((op, i) => errs.push(...oneOf(`${field}.operations[${i}]`, op, operations)));
  const groups = list(rule.apiGroups).map(str);
  if (groups.length === 0) errs.push(required(`${field}.apiGroups`));
  errs.push(...wildcardAlone(groups, `${field}.apiGroups`, 'API groups'));
  const versions = list(rule.apiVersions).map(str);
  if (versions.length === 0) errs.push(required(`${field}.apiVersions`));
  errs.push(...wildcardAlone(versions, `${field}.apiVersions`, 'API versions'));
  versions.forEach((v, i) => {
    if (v === '') errs.push(required(`${field}.apiVersions[${i}]`));
  });
  errs.push(...validateResources(list(rule.resources).map(str), `${field}.resources`));
  errs.push(...oneOf(`${field}.scope`, rule.scope, scopes));
  return errs;
}

/** webhook.ValidateWebhookURL with https forced. */
function validateWebhookUrl(raw: string, field: string): FieldError[] {
  const form = '; desired format: https://host[/path]';
  let url: URL;
  try {
    url = new URL(raw);
  } catch (err) {
    return [required(field, `url must be a valid URL: ${(err as Error).message}${form}`)];
  }
  const errs: FieldError[] = [];
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'https') errs.push(invalid(field, scheme, `'https' is the only allowed URL scheme${form}`));
  if (url.host === '') errs.push(invalid(field, url.host, `host must be specified${form}`));
  if (url.username || url.password)
    errs.push(invalid(field, url.password ? `${url.username}:xxxxx` : url.username, 'user information is not permitted in the URL'));
  if (url.hash) errs.push(invalid(field, url.hash.slice(1), 'fragments are not permitted in the URL'));
  if (url.search) errs.push(invalid(field, url.search.slice(1), 'query parameters are not permitted in the URL'));
  return errs;
}

/** webhook.ValidateWebhookService: name, namespace, port, and a path of DNS-subdomain segments. */
function validateWebhookService(service: any, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(service.name)) errs.push(required(`${field}.name`, 'service name is required'));
  if (!str(service.namespace)) errs.push(required(`${field}.namespace`, 'service namespace is required'));
  const port = service.port ?? 443;
  const portErrs = typeof port === 'number' ? checkPortNumber(port) : ['must be an integer'];
  if (portErrs.length) errs.push(invalid(`${field}.port`, port, `port is not valid: ${portErrs.join(', ')}`));
  const path = service.path;
  if (typeof path !== 'string' || path === '' || path === '/') return errs;
  if (path === '//') return [...errs, invalid(`${field}.path`, path, 'segment[0] may not be empty')];
  if (!path.startsWith('/')) errs.push(invalid(`${field}.path`, path, "must start with a '/'"));
  const steps = path.slice(1).replace(/\/$/, '').split('/');
  steps.forEach((step, i) => {
    if (step === '') return void errs.push(invalid(`${field}.path`, path, `segment[${i}] may not be empty`));
    for (const failure of checkDns1123Subdomain(step)) errs.push(invalid(`${field}.path`, path, `segment[${i}]: ${failure}`));
  });
  return errs;
}

function validateClientConfig(config: any, field: string): FieldError[] {
  const cc = isObject(config) ? config : {};
  const hasUrl = cc.url !== undefined && cc.url !== null;
  const hasService = cc.service !== undefined && cc.service !== null;
  if (hasUrl === hasService) return [required(field, 'exactly one of url or service is required')];
  return hasUrl ? validateWebhookUrl(str(cc.url), `${field}.url`) : validateWebhookService(cc.service, `${field}.service`);
}

function validateReviewVersions(versions: unknown, field: string): FieldError[] {
  const values = list(versions).map(str);
  if (values.length === 0) return [required(field, `must specify one of ${reviewVersions.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) return void errs.push(invalid(`${field}[${i}]`, v, 'duplicate version'));
    seen.add(v);
    errs.push(...invalidEach(`${field}[${i}]`, v, checkDns1035Label(v)));
  });
  if (!values.some((v) => reviewVersions.includes(v))) errs.push(invalid(field, values, `must include at least one of ${reviewVersions.join(', ')}`));
  return errs;
}

function validateWebhook(hook: any, field: string, mutating: boolean): FieldError[] {
  if (!isObject(hook)) return [invalid(field, hook, 'must be an object')];
  const errs = validateFullyQualifiedName(str(hook.name), `${field}.name`);
  list(hook.rules).forEach((rule, i) => errs.push(...validateRule(rule, `${field}.rules[${i}]`)));
  errs.push(...oneOf(`${field}.failurePolicy`, hook.failurePolicy, failurePolicies));
  errs.push(...oneOf(`${field}.matchPolicy`, hook.matchPolicy, matchPolicies));
  if (hook.sideEffects === undefined || hook.sideEffects === null)
    errs.push(required(`${field}.sideEffects`, `must specify one of ${sideEffectClasses.join(', ')}`));
  else errs.push(...oneOf(`${field}.sideEffects`, hook.sideEffects, sideEffectClasses));
  const timeout = hook.timeoutSeconds;
  if (timeout !== undefined && timeout !== null && (typeof timeout !== 'number' || timeout < 1 || timeout > 30)) {
    errs.push(invalid(`${field}.timeoutSeconds`, timeout, 'the timeout value must be between 1 and 30 seconds'));
  }
  errs.push(...validateLabelSelector(hook.namespaceSelector, `${field}.namespaceSelector`));
  errs.push(...validateLabelSelector(hook.objectSelector, `${field}.objectSelector`));
  if (mutating) errs.push(...oneOf(`${field}.reinvocationPolicy`, hook.reinvocationPolicy, reinvocationPolicies));
  errs.push(...validateClientConfig(hook.clientConfig, `${field}.clientConfig`));
  errs.push(...validateMatchConditions(hook.matchConditions, `${field}.matchConditions`, WEBHOOK_CONDITION_VARIABLES));
  return errs;
}

function validateWebhookConfiguration(config: any, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list(config.webhooks).forEach((hook, i) => {
    const field = `webhooks[${i}]`;
    const name = str(hook?.name);
    if (names.has(name)) errs.push(duplicate(`${field}.name`, name));
    else names.add(name);
    errs.push(...validateWebhook(hook, field, mutating));
    errs.push(...validateReviewVersions(hook?.admissionReviewVersions, `${field}.admissionReviewVersions`));
  });
  return errs;
}

export function validateMutatingWebhookConfiguration(config: any): FieldError[] {
  return validateWebhookConfiguration(config, true);
}

export function validateValidatingWebhookConfiguration(config: any): FieldError[] {
  return validateWebhookConfiguration(config, false);
}

// --- CEL: match conditions and policy expressions ---

/** The variables upstream declares for admission policy expressions, less `authorizer` (see the header). */
const POLICY_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables'];
/** Webhook matchConditions see the request only (no params, no policy variables). */
const WEBHOOK_CONDITION_VARIABLES = ['object', 'oldObject', 'request'];
const POLICY_CONDITION_VARIABLES = POLICY_VARIABLES.filter((v) => v !== 'variables');
const MAX_MATCH_CONDITIONS = 64;

/** The expression must compile with `variables`, and must not use `authorizer` (see the header). */
function validateCel(expression: unknown, field: string, variables: readonly string[]): FieldError[] {
  const text = str(expression);
  if (!text.trim()) return [required(field)];
  // `variables` never declares authorizer: an expression naming it fails as an undeclared reference, told apart here.
  const { error } = compileCel(text, { variables });
  if (!error) return [];
  if (error.includes("undeclared reference to 'authorizer'")) {
    return [invalid(field, text, 'the authorizer variable is not supported by Skiff: a CEL expression cannot check authorization here')];
  }
  return [invalid(field, text, `compilation failed: ${error}`)];
}

/** validateMatchConditions: at most 64, names required, qualified and unique, expressions that compile. */
function validateMatchConditions(conditions: unknown, field: string, variables: readonly string[]): FieldError[] {
  const items = list(conditions);
  const errs: FieldError[] = items.length > MAX_MATCH_CONDITIONS ? [tooMany(field, items.length, MAX_MATCH_CONDITIONS)] : [];
  const names = new Set<string>();
  items.forEach((condition, i) => {
    const at = `${field}[${i}]`;
    errs.push(...validateCel(condition?.expression, `${at}.expression`, variables));
    const name = str(condition?.name);
    if (!name) return void errs.push(required(`${at}.name`));
    errs.push(...invalidEach(`${at}.name`, name, checkQualifiedName(name)));
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    names.add(name);
  });
  return errs;
}

// --- ValidatingAdmissionPolicy (+Binding) ---

function validateMatchResources(match: any, field: string, requireRules: boolean): FieldError[] {
  if (!isObject(match)) return requireRules ? [required(field)] : [];
  const errs: FieldError[] = [];
  errs.push(...oneOf(`${field}.matchPolicy`, match.matchPolicy, matchPolicies));
  errs.push(...validateLabelSelector(match.namespaceSelector, `${field}.namespaceSelector`));
  errs.push(...validateLabelSelector(match.objectSelector, `${field}.objectSelector`));
  const rules = list(match.resourceRules);
  if (requireRules && rules.length === 0) errs.push(required(`${field}.resourceRules`));
  rules.forEach((rule, i) => errs.push(...validateRule(rule, `${field}.resourceRules[${i}]`)));
  list(match.excludeResourceRules).forEach((rule, i) => errs.push(...validateRule(rule, `${field}.excludeResourceRules[${i}]`)));
  return errs;
}

/** A policy expression must compile, as upstream refuses one at create time. */
function validateExpression(expression: unknown, field: string): FieldError[] {
  return validateCel(expression, field, POLICY_VARIABLES);
}

const validationReasons = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized'];

/** validateValidation's checks of message, messageExpression and reason. */
function validateValidationTexts(validation: any, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const messageExpression = str(validation?.messageExpression);
  if (messageExpression && !messageExpression.trim()) errs.push(invalid(`${field}.messageExpression`, messageExpression, 'must be non-empty if specified'));
  else if (messageExpression) errs.push(...validateExpression(messageExpression, `${field}.messageExpression`));
  const message = str(validation?.message);
  if (message && !message.trim()) errs.push(invalid(`${field}.message`, message, 'message must be non-empty if specified'));
  else if (/[\n\r]/.test(message.trim())) errs.push(invalid(`${field}.message`, message, 'message must not contain line breaks'));
  errs.push(...oneOf(`${field}.reason`, validation?.reason, validationReasons));
  return errs;
}

const MAX_AUDIT_ANNOTATIONS = 20;
const MAX_VALUE_EXPRESSION_LENGTH = 5 * 1024;

/** validateAuditAnnotation: `<policy>/<key>` a qualified name, keys unique, valueExpression compiles. */
function validateAuditAnnotations(policyName: string, annotations: unknown, field: string): FieldError[] {
  const items = list(annotations);
  const errs: FieldError[] =
    items.length > MAX_AUDIT_ANNOTATIONS ? [invalid(field, items, `must not have more than ${MAX_AUDIT_ANNOTATIONS} auditAnnotations`)] : [];
  const keys = new Set<string>();
  items.forEach((annotation, i) => {
    const at = `${field}[${i}]`;
    const key = str(annotation?.key);
    if (policyName) errs.push(...invalidEach(`${at}.key`, `${policyName}/${key}`, checkQualifiedName(`${policyName}/${key}`)));
    else errs.push(invalid(`${at}.key`, key, 'requires metadata.name be non-empty'));
    if (keys.has(key)) errs.push(duplicate(`${at}.key`, key));
    keys.add(key);
    const value = str(annotation?.valueExpression).trim();
    if (!value) errs.push(required(`${at}.valueExpression`, 'valueExpression is not specified'));
    else if (value.length > MAX_VALUE_EXPRESSION_LENGTH)
      errs.push(required(`${at}.valueExpression`, `must not exceed ${MAX_VALUE_EXPRESSION_LENGTH} bytes in length`));
    else errs.push(...validateExpression(value, `${at}.valueExpression`));
  });
  return errs;
}

/** validateParamRef: exactly one of name and selector, and a parameterNotFoundAction (v1 has no default). */
function validateParamRef(ref: unknown, field: string): FieldError[] {
  if (ref === undefined || ref === null) return [];
  if (!isObject(ref)) return [invalid(field, ref, 'must be an object')];
  const errs: FieldError[] = [];
  const name = str(ref.name);
  const hasSelector = ref.selector !== undefined && ref.selector !== null;
  if (name) {
    for (const msg of pathSegmentProblems(name)) errs.push(invalid(`${field}.name`, name, msg));
    if (hasSelector) errs.push(forbidden(`${field}.name`, 'name and selector are mutually exclusive'));
  }
  if (hasSelector) {
    errs.push(...validateLabelSelector(ref.selector, `${field}.selector`));
    if (name) errs.push(forbidden(`${field}.selector`, 'name and selector are mutually exclusive'));
  }
  if (!name && !hasSelector) errs.push(required(field, 'one of name or selector must be specified'));
  if (!str(ref.parameterNotFoundAction)) errs.push(required(`${field}.parameterNotFoundAction`));
  else errs.push(...oneOf(`${field}.parameterNotFoundAction`, ref.parameterNotFoundAction, ['Deny', 'Allow']));
  return errs;
}

/** path.ValidatePathSegmentName: a name that can be one segment of a URL path. */
function pathSegmentProblems(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

export function validateValidatingAdmissionPolicy(policy: any): FieldError[] {
  const spec = isObject(policy.spec) ? policy.spec : {};
  const errs: FieldError[] = [];
  const validations = list(spec.validations);
  if (validations.length === 0 && list(spec.auditAnnotations).length === 0) {
    errs.push(required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
    errs.push(required('spec.auditAnnotations', 'validations or auditAnnotations must contain at least one item'));
  }
  validations.forEach((v, i) => {
    errs.push(...validateExpression(v?.expression, `spec.validations[${i}].expression`));
    errs.push(...validateValidationTexts(v, `spec.validations[${i}]`));
  });
  list(spec.variables).forEach((v, i) => {
    if (!str(v?.name)) errs.push(required(`spec.variables[${i}].name`));
    errs.push(...validateExpression(v?.expression, `spec.variables[${i}].expression`));
  });
  errs.push(...validateMatchConditions(spec.matchConditions, 'spec.matchConditions', POLICY_CONDITION_VARIABLES));
  errs.push(...validateAuditAnnotations(str(policy.metadata?.name), spec.auditAnnotations, 'spec.auditAnnotations'));
  if (isObject(spec.paramKind)) {
    if (!str(spec.paramKind.apiVersion)) errs.push(required('spec.paramKind.apiVersion'));
    if (!str(spec.paramKind.kind)) errs.push(required('spec.paramKind.kind'));
  }
  errs.push(...oneOf('spec.failurePolicy', spec.failurePolicy, failurePolicies));
  errs.push(...validateMatchResources(spec.matchConstraints, 'spec.matchConstraints', true));
  return errs;
}

export function validateValidatingAdmissionPolicyBinding(binding: any): FieldError[] {
  const spec = isObject(binding.spec) ? binding.spec : {};
  const errs: FieldError[] = [];
  if (!str(spec.policyName)) errs.push(required('spec.policyName'));
  const actions = list(spec.validationActions).map(str);
  if (actions.length === 0) errs.push(required('spec.validationActions', 'at least one validation action is required'));
  const seen = new Set<string>();
  actions.forEach((action, i) => {
    if (seen.has(action)) errs.push(duplicate(`spec.validationActions[${i}]`, action));
    seen.add(action);
    errs.push(...oneOf(`spec.validationActions[${i}]`, action, validationActions));
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push(
      invalid(
        'spec.validationActions',
        actions,
        'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
      ),
    );
  }
  errs.push(...validateParamRef(spec.paramRef, 'spec.paramRef'));
  errs.push(...validateMatchResources(spec.matchResources, 'spec.matchResources', false));
  return errs;
}
