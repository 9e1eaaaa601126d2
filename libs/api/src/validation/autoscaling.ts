/**
 * HorizontalPodAutoscaler validation (pkg/apis/autoscaling/validation), in upstream's words and
 * field paths. Kubernetes validates its internal object, which is v2's shape; an autoscaling/v1
 * object is checked here as upstream sees it after conversion: its targetCPUUtilizationPercentage
 * is the cpu metric, listed after the metrics its annotation carries.
 *
 * minReplicas 0 needs the HPAScaleToZero feature gate, which Skiff does not offer: it is refused.
 */
import { parseQuantity } from '../quantity.ts';
import { checkDns1123Label } from '../names.ts';
import { type FieldError, forbidden, invalid, invalidEach, isObject, notSupported, required } from './field-error.ts';
import { checkPathSegmentName } from './rbac.ts';

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const MIN_REPLICAS_LOWER_BOUND = 1;

const metricSourceTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
/** Each metric type's source field, in the order upstream looks for them (only the first present is checked). */
const sourceFields: Record<string, string> = {
  Object: 'object',
  External: 'external',
  Pods: 'pods',
  Resource: 'resource',
  ContainerResource: 'containerResource',
};
const selectPolicies = ['Disabled', 'Max', 'Min'];
const scalingPolicyTypes = ['Percent', 'Pods'];

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';

export function validateHorizontalPodAutoscaler(hpa: any): FieldError[] {
  const spec = isObject(hpa.spec) ? hpa.spec : {};
  const errs = validateCommonSpec(spec);
  if (hpa.apiVersion === 'autoscaling/v1') {
    errs.push(...validateV1CpuTarget(spec, hpa.metadata?.annotations?.[METRIC_SPECS_ANNOTATION]));
    return errs;
  }
  if (Array.isArray(spec.metrics)) spec.metrics.forEach((m: unknown, i: number) => errs.push(...validateMetricSpec(m, `spec.metrics[${i}]`)));
  if (isObject(spec.behavior)) {
    errs.push(...validateScalingRules(spec.behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateScalingRules(spec.behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

/** What both versions share: replicas bounds and the scale target. */
function validateCommonSpec(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  const min = spec.minReplicas;
  const max = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
  if (typeof min === 'number' && min < MIN_REPLICAS_LOWER_BOUND) {
    errs.push(invalid('spec.minReplicas', min, `must be greater than or equal to ${MIN_REPLICAS_LOWER_BOUND}`));
  }
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (typeof min === 'number' && max < min) errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateCrossVersionObjectReference(spec.scaleTargetRef, 'spec.scaleTargetRef'));
  return errs;
}

function validateCrossVersionObjectReference(ref: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['kind', 'name']) {
    const value = isObject(ref) && typeof ref[key] === 'string' ? ref[key] : '';
    if (value === '') errs.push(required(`${path}.${key}`));
    else errs.push(...invalidEach(`${path}.${key}`, value, checkPathSegmentName(value)));
  }
  return errs;
}

/**
 * v1's target becomes spec.metrics[n].resource.target.averageUtilization, n being how many
 * metrics the annotation adds before it (conversion puts them first).
 */
function validateV1CpuTarget(spec: any, annotation: unknown): FieldError[] {
  const target = spec.targetCPUUtilizationPercentage;
  if (typeof target !== 'number' || target >= 1) return [];
  let index = 0;
  try {
    const others = typeof annotation === 'string' ? JSON.parse(annotation) : undefined;
    if (Array.isArray(others)) index = others.length;
  } catch {
    // Upstream ignores an annotation it cannot parse.
  }
  return [invalid(`spec.metrics[${index}].resource.target.averageUtilization`, target, 'must be greater than 0')];
}

/**
 * validateMetricSpec: a known type, its source set and no other. An unknown type is reported once
 * (upstream lists the same cause twice; its message shows it once).
 */
function validateMetricSpec(metric: unknown, path: string): FieldError[] {
  if (!isObject(metric)) return [required(`${path}.type`, 'must specify a metric source type')];
  const errs: FieldError[] = [];
  const type = typeof metric.type === 'string' ? metric.type : '';
  if (type === '') errs.push(required(`${path}.type`, 'must specify a metric source type'));
  const present = Object.values(sourceFields).filter((f) => metric[f] !== undefined && metric[f] !== null);
  const first = present[0];
  if (first !== undefined) errs.push(...validateSource(first, metric[first], `${path}.${first}`));
  const expected = sourceFields[type];
  if (expected === undefined) {
    errs.push(notSupported(`${path}.type`, type, metricSourceTypes));
  } else if (!present.includes(expected)) {
    errs.push(required(`${path}.${expected}`, 'must populate information for the given metric source'));
  }
  if (present.length !== 1) {
    for (const f of present.filter((f) => f !== expected)) errs.push(forbidden(`${path}.${f}`, 'must populate the given metric source only'));
  }
  return errs;
}

function validateSource(field: string, src: unknown, path: string): FieldError[] {
  const s = isObject(src) ? src : {};
  const target = isObject(s.target) ? s.target : {};
  const errs: FieldError[] = [];
  switch (field) {
    case 'object':
      errs.push(...validateCrossVersionObjectReference(s.describedObject, `${path}.describedObject`));
      errs.push(...validateMetricIdentifier(s.metric, `${path}.metric`), ...validateMetricTarget(target, `${path}.target`));
      if (target.value == null && target.averageValue == null)
        errs.push(required(`${path}.target.averageValue`, 'must set either a target value or averageValue'));
      break;
    case 'external':
      errs.push(...validateMetricIdentifier(s.metric, `${path}.metric`), ...validateMetricTarget(target, `${path}.target`));
      if (target.value == null && target.averageValue == null)
        errs.push(required(`${path}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
      if (target.value != null && target.averageValue != null)
        errs.push(forbidden(`${path}.target.value`, 'may not set both a target value for metric and a per-pod target'));
      break;
    case 'pods':
      errs.push(...validateMetricIdentifier(s.metric, `${path}.metric`), ...validateMetricTarget(target, `${path}.target`));
      if (target.averageValue == null) errs.push(required(`${path}.target.averageValue`, 'must specify a positive target averageValue'));
      break;
    default: // resource, containerResource
      if (typeof s.name !== 'string' || s.name === '') errs.push(required(`${path}.name`, 'must specify a resource name'));
      if (field === 'containerResource') {
        if (typeof s.container !== 'string' || s.container === '') errs.push(required(`${path}.container`, 'must specify a container'));
        else errs.push(...invalidEach(`${path}.container`, s.container, checkDns1123Label(s.container)));
      }
      errs.push(...validateMetricTarget(target, `${path}.target`));
      if (target.averageUtilization == null && target.averageValue == null)
        errs.push(required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
      if (target.averageUtilization != null && target.averageValue != null)
        errs.push(forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
  }
  return errs;
}

function validateMetricIdentifier(id: unknown, path: string): FieldError[] {
  const name = isObject(id) && typeof id.name === 'string' ? id.name : '';
  if (name === '') return [required(`${path}.name`, 'must specify a metric name')];
  return invalidEach(`${path}.name`, name, checkPathSegmentName(name));
}

function validateMetricTarget(target: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = typeof target.type === 'string' ? target.type : '';
  if (type === '') errs.push(required(`${path}.type`, 'must specify a metric target type'));
  if (!['Utilization', 'Value', 'AverageValue'].includes(type)) errs.push(invalid(`${path}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  for (const key of ['value', 'averageValue']) {
    if (target[key] != null && !isPositiveQuantity(target[key])) errs.push(invalid(`${path}.${key}`, target[key], 'must be positive'));
  }
  const utilization = target.averageUtilization;
  if (typeof utilization === 'number' && utilization < 1) errs.push(invalid(`${path}.averageUtilization`, utilization, 'must be greater than 0'));
  return errs;
}

function isPositiveQuantity(value: unknown): boolean {
  try {
    return (typeof value === 'string' || typeof value === 'number') && parseQuantity(value).sign() === 1;
  } catch {
    return false;
  }
}

function validateScalingRules(rules: unknown, path: string): FieldError[] {
  if (!isObject(rules)) return [];
  const errs: FieldError[] = [];
  const window = rules.stabilizationWindowSeconds;
  if (typeof window === 'number' && window < 0) errs.push(invalid(`${path}.stabilizationWindowSeconds`, window, 'must be greater than or equal to zero'));
  if (typeof window === 'number' && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(invalid(`${path}.stabilizationWindowSeconds`, window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (rules.selectPolicy != null && !selectPolicies.includes(rules.selectPolicy))
    errs.push(notSupported(`${path}.selectPolicy`, rules.selectPolicy, selectPolicies));
  const policies = Array.isArray(rules.policies) ? rules.policies : [];
  if (policies.length === 0) errs.push(required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((policy: any, i: number) => {
    const at = `${path}.policies[${i}]`;
    const p = isObject(policy) ? policy : {};
    if (!scalingPolicyTypes.includes(p.type)) errs.push(notSupported(`${at}.type`, p.type ?? '', scalingPolicyTypes));
    const value = typeof p.value === 'number' ? p.value : 0;
    if (value <= 0) errs.push(invalid(`${at}.value`, value, 'must be greater than zero'));
    const period = typeof p.periodSeconds === 'number' ? p.periodSeconds : 0;
    if (period <= 0) errs.push(invalid(`${at}.periodSeconds`, period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) errs.push(invalid(`${at}.periodSeconds`, period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}
