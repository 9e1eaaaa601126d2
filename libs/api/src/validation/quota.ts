/**
 * core/v1 ResourceQuota and LimitRange validation, as pkg/apis/core/validation's
 * ValidateResourceQuota and ValidateLimitRange: quota resource names and non-negative (integer
 * for object counts) quantities, scopes that exist, do not conflict and fit the resources;
 * limit items of a known type, once each, with min ≤ defaultRequest ≤ default ≤ max and ratios of
 * at least 1.
 */
import { checkQualifiedName } from '../names.ts';
import { parseQuantity, type Quantity } from '../quantity.ts';
import { isIntegerQuotaResource, QUOTA_SCOPES, STANDARD_QUOTA_RESOURCES } from '../quota/resources.ts';
import { type FieldError, duplicate, invalid, invalidEach, isObject, notSupported, required } from './field-error.ts';

const STANDARD_LIMIT_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage']);

function checkQuotaResourceName(name: string, path: string): FieldError[] {
  if (name.includes('/')) return invalidEach(path, name, checkQualifiedName(name));
  return STANDARD_QUOTA_RESOURCES.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-')
    ? []
    : [invalid(path, name, 'must be a standard resource for quota')];
}

/**
 * A resource list's quantities, with a field error for each that does not parse or is negative, and
 * whatever the checks add per entry: `checkName` before the value is parsed, `check` after.
 * Container resources parse their lists the same way (container.ts could build on this).
 */
export function parseQuantityMap(
  list: unknown,
  path: string,
  errs: FieldError[],
  check: (name: string, q: Quantity, p: string) => FieldError[] = () => [],
  checkName: (name: string, p: string) => FieldError[] = () => [],
): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (list === undefined || list === null) return out;
  if (!isObject(list)) {
    errs.push(invalid(path, list, 'must be a map of resource names to quantities'));
    return out;
  }
  for (const [name, raw] of Object.entries(list)) {
    const p = `${path}[${name}]`;
    errs.push(...checkName(name, p));
    let q: Quantity;
    try {
      q = parseQuantity(raw as string);
    } catch (err) {
      errs.push(invalid(p, raw, (err as Error).message));
      continue;
    }
    if (q.sign() < 0) errs.push(invalid(p, q.toString(), 'must be greater than or equal to 0'));
    errs.push(...check(name, q, p));
    out.set(name, q);
  }
  return out;
}

export const isWhole = (q: Quantity) => q.scaledValue(0) * 1000n === q.scaledValue(-3);

/** Quota lists: object counts are whole numbers. */
function quantities(list: unknown, path: string, errs: FieldError[], integers: boolean): Map<string, Quantity> {
  return parseQuantityMap(list, path, errs, (name, q, p) =>
    integers && isIntegerQuotaResource(name) && !isWhole(q) ? [invalid(p, q.toString(), 'must be an integer')] : [],
  );
}

function validateQuotaList(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const parsed = quantities(list, path, errs, true);
  for (const name of parsed.keys()) errs.push(...checkQuotaResourceName(name, `${path}[${name}]`));
  return errs;
}

const conflicting: Record<string, string> = {
  Terminating: 'NotTerminating',
  NotTerminating: 'Terminating',
  BestEffort: 'NotBestEffort',
  NotBestEffort: 'BestEffort',
};
/** The scopes that only track some resources (upstream's ValidateResourceQuotaScopes / helper.IsResourceQuotaScopeValidForResource). */
function scopeFitsResource(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods' || resource === 'count/pods';
  if (['Terminating', 'NotTerminating', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'].includes(scope)) {
    return (
      [
        'pods',
        'count/pods',
        'cpu',
        'memory',
        'requests.cpu',
        'requests.memory',
        'limits.cpu',
        'limits.memory',
        'ephemeral-storage',
        'requests.ephemeral-storage',
        'limits.ephemeral-storage',
      ].includes(resource) ||
      resource.startsWith('hugepages-') ||
      resource.startsWith('requests.hugepages-')
    );
  }
  return true;
}

function validateScopes(spec: Record<string, any>, hardNames: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const scopes: string[] = [];
  if (spec.scopes !== undefined && spec.scopes !== null) {
    if (!Array.isArray(spec.scopes)) return [invalid('spec.scopes', spec.scopes, 'must be a list')];
    spec.scopes.forEach((s: unknown) => {
      if (!(QUOTA_SCOPES as readonly string[]).includes(s as string)) errs.push(invalid('spec.scopes', s, 'unsupported scope'));
      else scopes.push(s as string);
    });
  }
  const expressions = spec.scopeSelector?.matchExpressions;
  if (Array.isArray(expressions)) {
    expressions.forEach((e: any, i: number) => {
      const p = `spec.scopeSelector.matchExpressions[${i}]`;
      if (!(QUOTA_SCOPES as readonly string[]).includes(e?.scopeName)) {
        errs.push(invalid(`${p}.scopeName`, e?.scopeName, 'unsupported scope'));
        return;
      }
      scopes.push(e.scopeName);
      const op = e.operator;
      if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) {
        errs.push(notSupported(`${p}.operator`, op, ['DoesNotExist', 'Exists', 'In', 'NotIn']));
      } else if ((op === 'In' || op === 'NotIn') && !(e.values?.length > 0)) {
        errs.push(required(`${p}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
      } else if ((op === 'Exists' || op === 'DoesNotExist') && e.values?.length > 0) {
        errs.push(invalid(`${p}.values`, e.values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
      }
      if (
        e.scopeName !== 'PriorityClass' &&
        e.scopeName !== 'CrossNamespacePodAffinity' &&
        op !== 'Exists' &&
        op !== 'DoesNotExist' &&
        QUOTA_SCOPES.includes(e.scopeName)
      ) {
        errs.push(
          invalid(
            `${p}.operator`,
            op,
            "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort or ResourceQuotaScopeNotBestEffort",
          ),
        );
      }
    });
  }
  if (scopes.length === 0) return errs;
  for (const name of hardNames) {
    for (const scope of scopes) {
      if (!scopeFitsResource(scope, name)) errs.push(invalid('spec.hard', name, 'unsupported scope applied to resource'));
    }
  }
  for (const scope of scopes) {
    if (conflicting[scope] && scopes.includes(conflicting[scope])) {
      errs.push(invalid('spec.scopes', scopes, 'conflicting scopes'));
      break;
    }
  }
  return errs;
}

export function validateResourceQuota(quota: any): FieldError[] {
  const spec = quota.spec ?? {};
  if (!isObject(spec)) return [invalid('spec', spec, 'must be an object')];
  const errs = validateQuotaList(spec.hard, 'spec.hard');
  errs.push(...validateScopes(spec, Object.keys(isObject(spec.hard) ? spec.hard : {})));
  if (isObject(quota.status)) {
    errs.push(...validateQuotaList(quota.status.hard, 'status.hard'), ...validateQuotaList(quota.status.used, 'status.used'));
  }
  return errs;
}

const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];

function validateLimitItem(item: any, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = item?.type;
  if (!LIMIT_TYPES.includes(type)) errs.push(notSupported(`${p}.type`, type, LIMIT_TYPES));
  const lists: Record<string, Map<string, Quantity>> = {};
  for (const field of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) {
    lists[field] = quantities(item?.[field], `${p}.${field}`, errs, false);
    for (const name of lists[field].keys()) {
      if (!name.includes('/') && !STANDARD_LIMIT_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
        errs.push(invalid(`${p}.${field}[${name}]`, name, 'must be a standard limit type or fully qualified'));
      }
    }
  }
  if (type === 'Pod') {
    if (lists.default.size > 0) errs.push(invalid(`${p}.default`, item.default, "may not be specified when `type` is 'Pod'"));
    if (lists.defaultRequest.size > 0) errs.push(invalid(`${p}.defaultRequest`, item.defaultRequest, "may not be specified when `type` is 'Pod'"));
  }
  if (type === 'PersistentVolumeClaim') {
    if (!lists.min.has('storage') && !lists.max.has('storage'))
      errs.push(required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  const names = new Set(Object.values(lists).flatMap((m) => [...m.keys()]));
  for (const name of names) {
    const [min, max, def, defReq, ratio] = ['min', 'max', 'default', 'defaultRequest', 'maxLimitRequestRatio'].map((f) => lists[f].get(name));
    const k = `[${name}]`;
    if (min && max && min.cmp(max) > 0) errs.push(invalid(`${p}.min${k}`, min.toString(), `min value ${min} is greater than max value ${max}`));
    if (defReq && max && defReq.cmp(max) > 0)
      errs.push(invalid(`${p}.defaultRequest${k}`, defReq.toString(), `default request value ${defReq} is greater than max value ${max}`));
    if (defReq && min && min.cmp(defReq) > 0)
      errs.push(invalid(`${p}.defaultRequest${k}`, defReq.toString(), `min value ${min} is greater than default request value ${defReq}`));
    if (def && max && def.cmp(max) > 0) errs.push(invalid(`${p}.default${k}`, def.toString(), `default value ${def} is greater than max value ${max}`));
    if (def && min && min.cmp(def) > 0) errs.push(invalid(`${p}.default${k}`, def.toString(), `min value ${min} is greater than default value ${def}`));
    if (defReq && def && defReq.cmp(def) > 0)
      errs.push(invalid(`${p}.defaultRequest${k}`, defReq.toString(), `default request value ${defReq} is greater than default limit value ${def}`));
    if (ratio) {
      if (ratio.cmp(parseQuantity('1')) < 0) errs.push(invalid(`${p}.maxLimitRequestRatio${k}`, ratio.toString(), `ratio ${ratio} is less than 1`));
      if (max && min && min.sign() > 0) {
        const maxRatio = max.toNumber() / min.toNumber();
        if (ratio.toNumber() > maxRatio)
          errs.push(invalid(`${p}.maxLimitRequestRatio${k}`, ratio.toString(), `ratio ${ratio} is greater than max/min = ${maxRatio.toFixed(6)}`));
      }
    }
  }
  return errs;
}

export function validateLimitRange(lr: any): FieldError[] {
  const limits = lr.spec?.limits;
  if (!Array.isArray(limits)) return [required('spec.limits')];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  limits.forEach((item: any, i: number) => {
    const p = `spec.limits[${i}]`;
    if (typeof item?.type === 'string' && seen.has(item.type)) errs.push(duplicate(`${p}.type`, item.type));
    if (typeof item?.type === 'string') seen.add(item.type);
    errs.push(...validateLimitItem(item, p));
  });
  return errs;
}
