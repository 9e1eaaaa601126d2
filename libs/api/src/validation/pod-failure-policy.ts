/** A Job's spec.podFailurePolicy (validatePodFailurePolicy in pkg/apis/batch/validation). */
import { checkQualifiedName } from '../names.ts';
import { type FieldError, duplicate, invalid, invalidEach, isObject, notSupported, required, tooMany } from './field-error.ts';

const MAX_RULES = 20;
const MAX_EXIT_CODES = 255;
// Sorted, as Kubernetes lists a set in its messages.
const actions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const operators = ['In', 'NotIn'];
const conditionStatuses = ['False', 'True', 'Unknown'];

/** field.Invalid with OmitValueType: the message carries no value. */
function invalidRule(field: string, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${detail}` };
}

function validateOnExitCodes(req: any, path: string, containerNames: Set<string>): FieldError[] {
  if (!isObject(req)) return [invalid(path, req, 'must be an object')];
  const errs: FieldError[] = [];
  if (req.containerName != null && !containerNames.has(req.containerName)) {
    errs.push(invalid(`${path}.containerName`, req.containerName, 'must be one of the container or initContainer names in the pod template'));
  }
  if (!req.operator) errs.push(required(`${path}.operator`, `valid values: ["In" "NotIn"]`));
  else if (!operators.includes(req.operator)) errs.push(notSupported(`${path}.operator`, req.operator, operators));
  const values: unknown[] = Array.isArray(req.values) ? req.values : [];
  if (values.length === 0) errs.push(required(`${path}.values`, 'at least one value is required'));
  else if (values.length > MAX_EXIT_CODES) errs.push(tooMany(`${path}.values`, values.length, MAX_EXIT_CODES));
  const seen = new Set<unknown>();
  let previous: number | undefined;
  values.forEach((value, i) => {
    const p = `${path}.values[${i}]`;
    if (req.operator === 'In' && value === 0) errs.push(invalid(p, value, 'must not be 0 for the In operator'));
    if (seen.has(value)) errs.push(duplicate(p, value));
    if (typeof value === 'number' && previous !== undefined && value < previous) errs.push(invalid(p, value, 'must be ordered'));
    seen.add(value);
    if (typeof value === 'number') previous = value;
  });
  return errs;
}

function validateOnPodConditions(patterns: unknown[], path: string): FieldError[] {
  if (patterns.length > MAX_RULES) return [tooMany(path, patterns.length, MAX_RULES)];
  return patterns.flatMap((pattern: any, i) => {
    const p = `${path}[${i}]`;
    const errs: FieldError[] = [];
    if (!pattern?.type) errs.push(required(`${p}.type`));
    else errs.push(...invalidEach(`${p}.type`, pattern.type, checkQualifiedName(pattern.type)));
    if (!conditionStatuses.includes(pattern?.status)) errs.push(notSupported(`${p}.status`, pattern?.status ?? '', conditionStatuses));
    return errs;
  });
}

function validateRule(spec: any, rule: any, path: string, containerNames: Set<string>): FieldError[] {
  if (!isObject(rule)) return [invalid(path, rule, 'must be an object')];
  const errs: FieldError[] = [];
  if (!rule.action) errs.push(required(`${path}.action`, `valid values: ${JSON.stringify(actions).replaceAll(',', ' ')}`));
  else if (rule.action === 'FailIndex') {
    if (spec.backoffLimitPerIndex == null) errs.push(invalid(`${path}.action`, rule.action, 'requires the backoffLimitPerIndex to be set'));
  } else if (!actions.includes(rule.action)) errs.push(notSupported(`${path}.action`, rule.action, actions));
  const conditions: unknown[] = Array.isArray(rule.onPodConditions) ? rule.onPodConditions : [];
  if (rule.onExitCodes != null) errs.push(...validateOnExitCodes(rule.onExitCodes, `${path}.onExitCodes`, containerNames));
  if (conditions.length > 0) errs.push(...validateOnPodConditions(conditions, `${path}.onPodConditions`));
  if (rule.onExitCodes != null && conditions.length > 0) errs.push(invalidRule(path, 'specifying both OnExitCodes and OnPodConditions is not supported'));
  if (rule.onExitCodes == null && conditions.length === 0) errs.push(invalidRule(path, 'specifying one of OnExitCodes and OnPodConditions is required'));
  return errs;
}

export function validatePodFailurePolicy(spec: any, path: string): FieldError[] {
  const policy = spec.podFailurePolicy;
  if (!isObject(policy)) return [invalid(path, policy, 'must be an object')];
  const rules: unknown[] = Array.isArray(policy.rules) ? policy.rules : [];
  const errs: FieldError[] = [];
  if (rules.length > MAX_RULES) errs.push(tooMany(`${path}.rules`, rules.length, MAX_RULES));
  const podSpec = spec.template?.spec;
  const containerNames = new Set<string>(
    [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])].map((c: any) => c?.name).filter((n: unknown) => typeof n === 'string'),
  );
  rules.forEach((rule, i) => errs.push(...validateRule(spec, rule, `${path}.rules[${i}]`, containerNames)));
  return errs;
}
