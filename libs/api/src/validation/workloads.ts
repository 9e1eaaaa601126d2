/**
 * Deployment, ReplicaSet and ReplicationController validation (pkg/apis/apps/validation), and the
 * selector/template/strategy checks StatefulSets, DaemonSets and Jobs share with them.
 */
import { fromLabelSelector, selectorFromSet } from '../label-selector.ts';
import { type FieldError, forbidden, immutable, invalid, isObject, nonNegative, notSupported, required } from './field-error.ts';
import { validateAnnotations, validateLabelSelector, validateLabels } from './meta.ts';
import { validatePodSpec } from './pod.ts';

const strategyTypes = ['Recreate', 'RollingUpdate'];

/** ValidatePositiveIntOrPercent + IsNotMoreThan100Percent. */
export function validateIntOrPercent(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') {
    const m = /^([0-9]+)%$/.exec(value);
    if (!m)
      return [
        invalid(
          path,
          value,
          "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ),
      ];
    if (Number(m[1]) > 100) return [invalid(path, value, 'must not be greater than 100%')];
    return [];
  }
  return nonNegative(path, value);
}

export function isZeroIntOrPercent(value: unknown): boolean {
  return value === 0 || value === '0%';
}

/**
 * A LabelSelector that must be non-empty and must select the template's labels; `spec` is at
 * `path` ('spec', or 'spec.jobTemplate.spec'), `kind` names it in "empty selector is invalid for <kind>".
 */
export function validateSelectorAndTemplate(spec: any, kind: string, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(spec.selector)) {
    errs.push(required(`${path}.selector`));
  } else {
    const empty = Object.keys(spec.selector.matchLabels ?? {}).length === 0 && (spec.selector.matchExpressions ?? []).length === 0;
    if (empty) errs.push(invalid(`${path}.selector`, spec.selector, `empty selector is invalid for ${kind}`));
    const selectorErrs = validateLabelSelector(spec.selector, `${path}.selector`);
    errs.push(...selectorErrs);
    if (!empty && selectorErrs.length === 0) errs.push(...validateSelectorMatchesTemplate(spec, path));
  }
  errs.push(...validateTemplate(spec.template, `${path}.template`));
  return errs;
}

/** Whether manually or automatically chosen, a selector must match the pods the template makes. */
export function validateSelectorMatchesTemplate(spec: any, path: string): FieldError[] {
  const labels = spec.template?.metadata?.labels;
  if (!isObject(spec.template) || fromLabelSelector(spec.selector).matches(labels ?? {})) return [];
  return [invalid(`${path}.template.metadata.labels`, labels ?? {}, '`selector` does not match template `labels`')];
}

/** ValidatePodTemplateSpec: the template's labels, annotations and pod spec. */
export function validateTemplate(template: unknown, path: string): FieldError[] {
  if (!isObject(template)) return [required(path)];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(template.metadata?.labels, `${path}.metadata.labels`));
  errs.push(...validateAnnotations(template.metadata?.annotations, `${path}.metadata.annotations`));
  errs.push(...validatePodSpec(template.spec, `${path}.spec`));
  return errs;
}

/** Controllers that keep pods running restart them forever; other policies would fight them. */
export function validateRestartAlways(template: any, path: string): FieldError[] {
  const policy = template?.spec?.restartPolicy;
  if (!isObject(template) || policy === undefined || policy === 'Always') return [];
  return [notSupported(`${path}.spec.restartPolicy`, policy, ['Always'])];
}

function validateLongRunningTemplate(spec: any): FieldError[] {
  const errs = validateRestartAlways(spec.template, 'spec.template');
  if (spec.template?.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

function validateReplicasFields(spec: any): FieldError[] {
  return [...nonNegative('spec.replicas', spec.replicas), ...nonNegative('spec.minReadySeconds', spec.minReadySeconds)];
}

export function validateDeployment(d: any): FieldError[] {
  const spec = d.spec;
  if (!isObject(spec)) return [required('spec')];
  const errs = [...validateReplicasFields(spec), ...validateSelectorAndTemplate(spec, 'deployment'), ...validateLongRunningTemplate(spec)];
  const strategy = spec.strategy ?? {};
  const type = strategy.type ?? 'RollingUpdate';
  if (!strategyTypes.includes(type)) errs.push(notSupported('spec.strategy.type', type, strategyTypes));
  if (type === 'Recreate' && strategy.rollingUpdate) {
    errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  }
  if (type === 'RollingUpdate' && isObject(strategy.rollingUpdate)) {
    const { maxUnavailable, maxSurge } = strategy.rollingUpdate;
    errs.push(...validateIntOrPercent(maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
    errs.push(...validateIntOrPercent(maxSurge, 'spec.strategy.rollingUpdate.maxSurge'));
    // Both zero would leave a rollout no way to make progress.
    if (isZeroIntOrPercent(maxUnavailable) && isZeroIntOrPercent(maxSurge)) {
      errs.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  errs.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds !== null) {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds));
    if (Number.isInteger(spec.progressDeadlineSeconds) && spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  if (spec.rollbackTo !== undefined) errs.push(forbidden('spec.rollbackTo', 'rollbackTo is not supported in apps/v1'));
  return errs;
}

export function validateReplicaSet(rs: any): FieldError[] {
  const spec = rs.spec;
  if (!isObject(spec)) return [required('spec')];
  return [...validateReplicasFields(spec), ...validateSelectorAndTemplate(spec, 'replicaset'), ...validateLongRunningTemplate(spec)];
}

export function validateReplicationController(rc: any): FieldError[] {
  const spec = rc.spec;
  if (!isObject(spec)) return [required('spec')];
  const errs = validateReplicasFields(spec);
  if (!isObject(spec.selector) || Object.keys(spec.selector).length === 0) {
    errs.push(required('spec.selector'));
  } else {
    errs.push(...validateLabels(spec.selector, 'spec.selector'));
    const labels = spec.template?.metadata?.labels;
    if (isObject(spec.template) && !selectorFromSet(spec.selector).matches(labels ?? {})) {
      errs.push(invalid('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
    }
  }
  errs.push(...validateTemplate(spec.template, 'spec.template'), ...validateLongRunningTemplate(spec));
  return errs;
}

/** apps/v1 selectors are immutable: changing them would orphan the controller's pods. */
export function validateSelectorUpdate(obj: any, old: any): FieldError[] {
  return immutable('spec.selector', obj.spec?.selector, old.spec?.selector);
}
