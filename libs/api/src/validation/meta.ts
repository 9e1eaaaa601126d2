/** ObjectMeta validation (ValidateObjectMeta / ValidateObjectMetaUpdate in apimachinery). */
import type { ResourceInfo } from '../resource-info.ts';
import { checkDns1123Label, checkDns1123Subdomain, checkLabelValue, checkQualifiedName } from '../names.ts';
import { type FieldError, forbidden, immutable, invalid, invalidEach, isObject, nonNegative, notSupported, required, tooLong } from './field-error.ts';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** How a kind's names are checked; most are DNS subdomains. */
export type NameCheck = (name: string) => string[];

export function validateLabels(labels: unknown, field: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (!isObject(labels)) return [invalid(field, labels, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...invalidEach(field, k, checkQualifiedName(k)));
    if (typeof v !== 'string') errs.push(invalid(`${field}[${k}]`, v, 'must be a string'));
    else errs.push(...invalidEach(field, v, checkLabelValue(v)));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isObject(annotations)) return [invalid(field, annotations, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    // Annotation keys are case-insensitive qualified names.
    errs.push(...invalidEach(field, k, checkQualifiedName(k.toLowerCase())));
    if (typeof v !== 'string') errs.push(invalid(`${field}[${k}]`, v, 'must be a string'));
    size += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : '');
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) return [invalid(field, refs, 'must be a list')];
  const errs: FieldError[] = [];
  let controllers = 0;
  refs.forEach((ref, i) => {
    const path = `${field}[${i}]`;
    if (!isObject(ref)) return void errs.push(invalid(path, ref, 'must be an object'));
    if (!ref.apiVersion) errs.push(invalid(`${path}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(invalid(`${path}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(invalid(`${path}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(invalid(`${path}.uid`, ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller === true) controllers++;
  });
  if (controllers > 1) errs.push(invalid(field, refs, 'Only one reference can have Controller set to true.'));
  return errs;
}

function validateFinalizers(finalizers: unknown, field: string): FieldError[] {
  if (finalizers === undefined || finalizers === null) return [];
  if (!Array.isArray(finalizers)) return [invalid(field, finalizers, 'must be a list of strings')];
  const errs: FieldError[] = [];
  finalizers.forEach((f, i) => {
    if (typeof f !== 'string') errs.push(invalid(`${field}[${i}]`, f, 'must be a string'));
    else errs.push(...invalidEach(field, f, checkQualifiedName(f)));
  });
  return errs;
}

export function validateObjectMeta(res: ResourceInfo, meta: unknown, nameCheck: NameCheck = checkDns1123Subdomain): FieldError[] {
  if (!isObject(meta)) return [required('metadata')];
  const errs: FieldError[] = [];
  if (meta.generateName !== undefined && meta.generateName !== '') {
    // The prefix is checked with a trailing '-' removed, since the suffix follows it.
    const prefix = String(meta.generateName);
    const trimmed = prefix.endsWith('-') ? prefix.slice(0, -1) : prefix;
    errs.push(...invalidEach('metadata.generateName', prefix, nameCheck(trimmed)));
  }
  if (meta.name === undefined || meta.name === '') {
    if (!meta.generateName) errs.push(required('metadata.name', 'name or generateName is required'));
  } else if (typeof meta.name !== 'string') {
    errs.push(invalid('metadata.name', meta.name, 'must be a string'));
  } else {
    errs.push(...invalidEach('metadata.name', meta.name, nameCheck(meta.name)));
  }
  if (res.namespaced) {
    if (!meta.namespace) errs.push(required('metadata.namespace'));
    else errs.push(...invalidEach('metadata.namespace', meta.namespace, checkDns1123Label(String(meta.namespace))));
  } else if (meta.namespace) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...nonNegative('metadata.generation', meta.generation));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
  return errs;
}

export function validateObjectMetaUpdate(meta: any, old: any): FieldError[] {
  if (!isObject(meta) || !isObject(old)) return [];
  const errs: FieldError[] = [];
  errs.push(...immutable('metadata.name', meta.name, old.name));
  errs.push(...immutable('metadata.namespace', meta.namespace, old.namespace));
  if (old.uid !== undefined) errs.push(...immutable('metadata.uid', meta.uid, old.uid));
  if (old.creationTimestamp !== undefined) errs.push(...immutable('metadata.creationTimestamp', meta.creationTimestamp, old.creationTimestamp));
  if (old.deletionTimestamp !== undefined) errs.push(...immutable('metadata.deletionTimestamp', meta.deletionTimestamp, old.deletionTimestamp));
  if (old.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds !== undefined) {
    errs.push(...immutable('metadata.deletionGracePeriodSeconds', meta.deletionGracePeriodSeconds, old.deletionGracePeriodSeconds));
  }
  if (old.deletionTimestamp !== undefined) {
    // A terminating object may lose finalizers but not gain new ones.
    const before = new Set<string>(old.finalizers ?? []);
    for (const f of meta.finalizers ?? []) {
      if (!before.has(f))
        errs.push(
          forbidden(
            'metadata.finalizers',
            `no new finalizers can be added if the object is being deleted, found new finalizers []string{${JSON.stringify(f)}}`,
          ),
        );
    }
  }
  return errs;
}

const selectorOperators = ['DoesNotExist', 'Exists', 'In', 'NotIn'];

/** ValidateLabelSelector: matchLabels as labels, matchExpressions' operators and value lists. */
export function validateLabelSelector(selector: unknown, field: string): FieldError[] {
  if (selector === undefined || selector === null) return [];
  if (!isObject(selector)) return [invalid(field, selector, 'must be an object')];
  const errs = validateLabels(selector.matchLabels, `${field}.matchLabels`);
  const exprs = selector.matchExpressions;
  if (exprs === undefined || exprs === null) return errs;
  if (!Array.isArray(exprs)) return [...errs, invalid(`${field}.matchExpressions`, exprs, 'must be a list')];
  exprs.forEach((expr, i) => {
    const p = `${field}.matchExpressions[${i}]`;
    if (!isObject(expr)) return void errs.push(invalid(p, expr, 'must be an object'));
    const values = Array.isArray(expr.values) ? expr.values : [];
    if (expr.operator === 'In' || expr.operator === 'NotIn') {
      if (values.length === 0) errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (expr.operator === 'Exists' || expr.operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(notSupported(`${p}.operator`, expr.operator ?? '', selectorOperators));
    }
    errs.push(...invalidEach(`${p}.key`, expr.key ?? '', checkQualifiedName(String(expr.key ?? ''))));
    values.forEach((v: unknown, j: number) => {
      errs.push(...invalidEach(`${p}.values[${j}]`, v, checkLabelValue(String(v))));
    });
  });
  return errs;
}
