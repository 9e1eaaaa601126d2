/**
 * policy/v1 PodDisruptionBudget validation (pkg/apis/policy/validation): the spec on every write,
 * and the status as ValidatePodDisruptionBudgetStatusUpdate checks it. The status is checked here
 * rather than only on status writes: a write of the object itself keeps the stored status (already
 * checked when it was written), so the check only ever bites on what a status write proposes.
 */
import { checkQualifiedName } from '../names.ts';
import { type FieldError, duplicate, invalid, invalidEach, isObject, nonNegative, notSupported, required, tooLong } from './field-error.ts';
import { validateLabelSelector } from './meta.ts';
import { validateIntOrPercent } from './workloads.ts';

/** supportedUnhealthyPodEvictionPolicies, sorted as upstream lists them. */
export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'] as const;

const conditionStatuses = ['False', 'True', 'Unknown'];
const MAX_REASON_LENGTH = 1024;
const MAX_MESSAGE_LENGTH = 32768;
const conditionReasonFmt = '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?';
const conditionReasonRe = new RegExp(`^${conditionReasonFmt}$`);

export function validatePodDisruptionBudget(pdb: any): FieldError[] {
  const spec = isObject(pdb.spec) ? pdb.spec : {};
  const errs = validatePodDisruptionBudgetSpec(spec, 'spec');
  if (isObject(pdb.status)) errs.push(...validatePodDisruptionBudgetStatus(pdb.status, 'status'));
  return errs;
}

function validatePodDisruptionBudgetSpec(spec: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null) {
    errs.push(invalid(path, spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...validateIntOrPercent(spec.minAvailable, `${path}.minAvailable`));
  errs.push(...validateIntOrPercent(spec.maxUnavailable, `${path}.maxUnavailable`));
  errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy != null && !(UNHEALTHY_POD_EVICTION_POLICIES as readonly string[]).includes(policy)) {
    errs.push(notSupported(`${path}.unhealthyPodEvictionPolicy`, policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

function validatePodDisruptionBudgetStatus(status: Record<string, any>, path: string): FieldError[] {
  const errs = validateConditions(status.conditions, `${path}.conditions`);
  for (const field of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) {
    errs.push(...nonNegative(`${path}.${field}`, status[field]));
  }
  return errs;
}

/** metav1validation.ValidateConditions: the checks every metav1.Condition list gets. */
export function validateConditions(conditions: unknown, path: string): FieldError[] {
  if (conditions == null) return [];
  if (!Array.isArray(conditions)) return [invalid(path, conditions, 'must be a list')];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  conditions.forEach((c: any, i: number) => {
    const p = `${path}[${i}]`;
    if (!isObject(c)) return void errs.push(invalid(p, c, 'must be an object'));
    const type = typeof c.type === 'string' ? c.type : '';
    errs.push(...invalidEach(`${p}.type`, type, checkQualifiedName(type)));
    if (seen.has(type)) errs.push(duplicate(`${p}.type`, type));
    seen.add(type);
    if (!conditionStatuses.includes(c.status)) errs.push(notSupported(`${p}.status`, c.status ?? '', conditionStatuses));
    if (typeof c.observedGeneration === 'number' && c.observedGeneration < 0) {
      errs.push(invalid(`${p}.observedGeneration`, c.observedGeneration, 'must be greater than or equal to zero'));
    }
    if (!c.lastTransitionTime) errs.push(required(`${p}.lastTransitionTime`, 'must be set'));
    const reason = typeof c.reason === 'string' ? c.reason : '';
    if (reason === '') {
      errs.push(required(`${p}.reason`, 'must be set'));
    } else {
      if (!conditionReasonRe.test(reason)) {
        errs.push(
          invalid(
            `${p}.reason`,
            reason,
            'a condition reason must start with alphabetic character, optionally followed by a string of ' +
              `alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '${conditionReasonFmt}')`,
          ),
        );
      }
      if (reason.length > MAX_REASON_LENGTH) errs.push(tooLong(`${p}.reason`, MAX_REASON_LENGTH));
    }
    if (typeof c.message === 'string' && c.message.length > MAX_MESSAGE_LENGTH) errs.push(tooLong(`${p}.message`, MAX_MESSAGE_LENGTH));
  });
  return errs;
}
