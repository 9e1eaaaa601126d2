/** DaemonSet validation (ValidateDaemonSet*, ValidateRollingUpdateDaemonSet in pkg/apis/apps/validation). */
import { type FieldError, invalid, isObject, nonNegative, notSupported, required } from './field-error.ts';
import { isZeroIntOrPercent, validateIntOrPercent, validateRestartAlways, validateSelectorAndTemplate } from './workloads.ts';

/** Exactly one of maxUnavailable and maxSurge is non-zero: a surge replaces pods before removing them, so it cannot also take nodes down. */
function validateRollingUpdate(rolling: any, path: string): FieldError[] {
  const { maxUnavailable, maxSurge } = rolling;
  const errs = [...validateIntOrPercent(maxUnavailable, `${path}.maxUnavailable`), ...validateIntOrPercent(maxSurge, `${path}.maxSurge`)];
  const hasUnavailable = maxUnavailable != null && !isZeroIntOrPercent(maxUnavailable);
  const hasSurge = maxSurge != null && !isZeroIntOrPercent(maxSurge);
  if (hasUnavailable && hasSurge) errs.push(invalid(`${path}.maxSurge`, maxSurge, 'may not be set when maxUnavailable is non-zero'));
  if (!hasUnavailable && !hasSurge) errs.push(required(`${path}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  return errs;
}

function validateUpdateStrategy(strategy: any): FieldError[] {
  const path = 'spec.updateStrategy';
  const type = isObject(strategy) ? strategy.type : undefined;
  if (type === 'OnDelete') return [];
  if (type !== 'RollingUpdate') return [notSupported(path, strategy ?? {}, ['RollingUpdate', 'OnDelete'])];
  if (!isObject(strategy!.rollingUpdate)) return [required(`${path}.rollingUpdate`)];
  return validateRollingUpdate(strategy!.rollingUpdate, `${path}.rollingUpdate`);
}

export function validateDaemonSet(ds: any): FieldError[] {
  const spec = ds.spec;
  if (!isObject(spec)) return [required('spec')];
  const errs = validateSelectorAndTemplate(spec, 'daemonset');
  errs.push(...validateRestartAlways(spec.template, 'spec.template'));
  const deadline = spec.template?.spec?.activeDeadlineSeconds;
  if (deadline != null) errs.push(invalid('spec.template.spec.activeDeadlineSeconds', deadline, 'activeDeadlineSeconds must be nil for daemonsets'));
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  errs.push(...nonNegative('spec.templateGeneration', spec.templateGeneration));
  errs.push(...validateUpdateStrategy(spec.updateStrategy));
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  return errs;
}
