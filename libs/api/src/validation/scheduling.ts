/**
 * scheduling.k8s.io/v1 PriorityClass validation (pkg/apis/scheduling/validation), and the
 * preemption policy check pods share with it. Name format and metadata are checked by meta.ts.
 *
 * Which check lives where, as upstream splits them: the value ceiling and the reserved
 * `system-` prefix are validation (here); "only one globalDefault" needs the other classes and
 * is the Priority admission plugin's (apps/apiserver/.../admission/priority.ts).
 */
import { HIGHEST_USER_DEFINABLE_PRIORITY, SYSTEM_PRIORITY_CLASSES } from '../priority-classes.ts';
import { type FieldError, forbidden, invalid, notSupported, required } from './field-error.ts';

const SYSTEM_PRIORITY_CLASS_PREFIX = 'system-';

/** The built-in classes' name → value (neither is globalDefault). */
const systemPriorityClassValues: ReadonlyMap<string, number> = new Map(SYSTEM_PRIORITY_CLASSES.map((pc) => [pc.metadata!.name!, pc.value]));

const preemptionPolicies = ['PreemptLowerPriority', 'Never'];

/** ValidatePreemptionPolicy, for PriorityClass and PodSpec alike. */
export function validatePreemptionPolicy(policy: unknown, path: string): FieldError[] {
  if (policy === undefined || policy === null) return [];
  if (policy === '') return [required(path, '')];
  return preemptionPolicies.includes(policy as string) ? [] : [notSupported(path, policy, preemptionPolicies)];
}

/** IsKnownSystemPriorityClass's reason why a `system-` class is not one of the built-ins, if it is not. */
function unknownSystemClassReason(name: string, value: unknown, globalDefault: boolean): string | undefined {
  const expected = systemPriorityClassValues.get(name);
  if (expected === undefined) return `${name} is not a known system priority class`;
  if (value !== expected) return `value of ${name} PriorityClass must be ${expected}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

export function validatePriorityClass(pc: any): FieldError[] {
  const errs: FieldError[] = [];
  const name = String(pc.metadata?.name ?? '');
  const value = pc.value ?? 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    errs.push(invalid('value', value, 'must be a 32-bit integer'));
  } else if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const reason = unknownSystemClassReason(name, value, pc.globalDefault === true);
    if (reason) {
      errs.push(
        forbidden('metadata.name', `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${reason}`),
      );
    }
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  errs.push(...validatePreemptionPolicy(pc.preemptionPolicy, 'preemptionPolicy'));
  return errs;
}

/** ValidatePriorityClassUpdate: the value and the preemption policy are fixed once created (pods copied them). */
export function validatePriorityClassUpdate(pc: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  if ((pc.value ?? 0) !== (old.value ?? 0)) errs.push(forbidden('value', 'may not be changed in an update.'));
  if ((pc.preemptionPolicy ?? null) !== (old.preemptionPolicy ?? null)) {
    errs.push(invalid('preemptionPolicy', pc.preemptionPolicy ?? null, 'field is immutable'));
  }
  return errs;
}
