/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition, as apiextensions-apiserver validates it
 * (ValidateCustomResourceDefinition and its spec, names, versions, subresources, printer
 * columns and conversion), in its words. Schemas themselves are checked by ../structural.
 */
import { checkDns1035Label, checkDns1123Subdomain } from '../names.ts';
import { validateStructuralSchema } from '../structural/index.ts';
import { duplicate, type FieldError, forbidden, invalid, isObject, notSupported, required, tooMany } from './field-error.ts';

const SCOPES = ['Cluster', 'Namespaced'];
const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const CONVERSION_STRATEGIES = ['None', 'Webhook'];
const CONVERSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];
const MAX_SELECTABLE_FIELDS = 8;
const SELECTABLE_TYPES = ['string', 'boolean', 'integer'];

export function validateCustomResourceDefinition(crd: any): FieldError[] {
  const spec = isObject(crd?.spec) ? crd.spec : {};
  const errs: FieldError[] = [];
  const name = crd?.metadata?.name;
  const names = isObject(spec.names) ? spec.names : {};
  if (typeof name === 'string' && name !== '' && name !== `${names.plural}.${spec.group}`) {
    errs.push(invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  }
  errs.push(...validateGroup(spec.group), ...validateScope(spec.scope));
  errs.push(...validateVersions(spec.versions));
  errs.push(...validateNames(names, 'spec.names'));
  errs.push(...validateConversion(spec.conversion));
  if (spec.preserveUnknownFields === true) {
    errs.push(
      invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'),
    );
  }
  return errs;
}

/** Beyond the create rules (validateObject runs them on updates too): what may never change. */
export function validateCustomResourceDefinitionUpdate(crd: any, old: any): FieldError[] {
  const spec = isObject(crd?.spec) ? crd.spec : {};
  const oldSpec = isObject(old?.spec) ? old.spec : {};
  const errs: FieldError[] = [];
  const immutable = (field: string, now: unknown, before: unknown): void => {
    if (JSON.stringify(now) !== JSON.stringify(before)) errs.push(invalid(field, now, 'field is immutable'));
  };
  // Scope and kind decide storage and the served names: fixed once the CRD is established.
  const established = (old?.status?.conditions ?? []).some((c: any) => c?.type === 'Established' && c?.status === 'True');
  if (established) {
    immutable('spec.scope', spec.scope, oldSpec.scope);
    immutable('spec.names.kind', spec.names?.kind, oldSpec.names?.kind);
  }
  immutable('spec.group', spec.group, oldSpec.group);
  immutable('spec.names.plural', spec.names?.plural, oldSpec.names?.plural);
  errs.push(...validateStoredVersions(crd?.status?.storedVersions, Array.isArray(spec.versions) ? spec.versions : []));
  return errs;
}

/**
 * ValidateCustomResourceDefinitionStoredVersions: the strategy records the storage version on
 * every write of the CRD, so this catches a `/status` write that drops it, and a version
 * removed from spec.versions while objects may still be stored in it.
 */
function validateStoredVersions(storedVersions: unknown, versions: any[]): FieldError[] {
  const stored: unknown[] = Array.isArray(storedVersions) ? storedVersions : [];
  if (stored.length === 0) return [invalid('status.storedVersions', stored, 'must have at least one stored version')];
  const errs: FieldError[] = [];
  const named = new Set(versions.map((v) => v?.name));
  for (const v of versions) {
    if (v?.storage === true && !stored.includes(v.name)) errs.push(invalid('status.storedVersions', stored, `must have the storage version ${v.name}`));
  }
  stored.forEach((v, i) => {
    if (named.has(v)) return;
    const why = `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`;
    errs.push(invalid(`status.storedVersions[${i}]`, v, why));
  });
  return errs;
}

function validateGroup(group: unknown): FieldError[] {
  if (typeof group !== 'string' || group === '') return [required('spec.group')];
  const problems = checkDns1123Subdomain(group);
  if (problems.length > 0) return [invalid('spec.group', group, problems.join(','))];
  if (group.split('.').length < 2) return [invalid('spec.group', group, 'should be a domain with at least one dot')];
  return [];
}

function validateScope(scope: unknown): FieldError[] {
  if (scope === undefined || scope === '') return [required('spec.scope')];
  return SCOPES.includes(scope as string) ? [] : [notSupported('spec.scope', scope, SCOPES)];
}

function validateVersions(versions: unknown): FieldError[] {
  const list: any[] = Array.isArray(versions) ? versions : [];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let unique = true;
  list.forEach((v, i) => {
    const path = `spec.versions[${i}]`;
    if (seen.has(v?.name)) unique = false;
    seen.add(v?.name);
    const problems = typeof v?.name === 'string' ? checkDns1035Label(v.name) : ['must be a string'];
    if (problems.length > 0) errs.push(invalid(`${path}.name`, v?.name, problems.join(',')));
    errs.push(...validateVersion(v, path));
  });
  if (!unique) errs.push(invalid('spec.versions', list, 'must contain unique version names'));
  if (list.filter((v) => v?.storage === true).length !== 1) {
    errs.push(invalid('spec.versions', list, 'must have exactly one version marked as storage version'));
  }
  return errs;
}

function validateVersion(v: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const schema = v?.schema?.openAPIV3Schema;
  if (!isObject(schema)) errs.push(required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
  else errs.push(...validateStructuralSchema(schema, `${path}.schema.openAPIV3Schema`));
  if (v?.deprecationWarning !== undefined && v?.deprecated !== true) {
    errs.push(invalid(`${path}.deprecationWarning`, v.deprecationWarning, 'can only be set for deprecated versions'));
  }
  const scale = v?.subresources?.scale;
  if (isObject(scale)) errs.push(...validateScale(scale, `${path}.subresources.scale`));
  (Array.isArray(v?.additionalPrinterColumns) ? v.additionalPrinterColumns : []).forEach((col: any, i: number) => {
    errs.push(...validatePrinterColumn(col, `${path}.additionalPrinterColumns[${i}]`));
  });
  const selectable: any[] = Array.isArray(v?.selectableFields) ? v.selectableFields : [];
  if (selectable.length > 0) {
    if (!isObject(schema))
      errs.push(invalid(`${path}.selectableFields`, '', 'selectableFields may only be set when version.schema.openAPIV3Schema is not included'));
    else errs.push(...validateSelectableFields(selectable, schema, `${path}.selectableFields`));
  }
  return errs;
}

/**
 * ValidateCustomResourceSelectableFields: each a path to a string, boolean or integer field of
 * the schema outside metadata, no two alike, at most eight.
 */
function validateSelectableFields(fields: any[], schema: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const unique = new Set<string>();
  fields.forEach((f, i) => {
    const field = `${path}[${i}].jsonPath`;
    const jsonPath = f?.jsonPath;
    if (typeof jsonPath !== 'string' || jsonPath === '') {
      errs.push(required(field));
      return;
    }
    const names = jsonPath.startsWith('.') ? jsonPath.slice(1).split('.') : undefined;
    const found = names && !names.includes('') ? schemaAt(schema, names) : undefined;
    if (!names || !found) {
      errs.push(invalid(field, jsonPath, 'is an invalid path: does not refer to a valid field'));
      return;
    }
    if (names[0] === 'metadata') errs.push(invalid(field, jsonPath, 'must not point to fields in metadata'));
    if (!SELECTABLE_TYPES.includes(found.type)) {
      errs.push(invalid(field, jsonPath, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.'));
    }
    const key = names.join('.');
    if (unique.has(key)) errs.push(duplicate(field, jsonPath));
    unique.add(key);
  });
  if (unique.size > MAX_SELECTABLE_FIELDS) errs.push(tooMany(path, unique.size, MAX_SELECTABLE_FIELDS));
  return errs;
}

/** The schema a path of property names leads to (metadata's fields count as known strings). */
function schemaAt(schema: Record<string, any>, names: string[]): Record<string, any> | undefined {
  let node: Record<string, any> | undefined = schema;
  for (const [i, name] of names.entries()) {
    if (i === 1 && names[0] === 'metadata') return { type: 'string' };
    const next: unknown = node?.properties?.[name];
    node = isObject(next) ? next : undefined;
  }
  return node;
}

/** validateSimpleJSONPath: `.a.b` or `.a[0].b` — what the scale subresource and columns can read. */
function validateSimpleJsonPath(value: string, field: string): FieldError[] {
  if (!value.startsWith('.')) return [invalid(field, value, 'must be a simple json path starting with .')];
  return [];
}

function validateScale(scale: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const under = (field: string, value: unknown, prefixes: string[], detail: string): void => {
    const simple = validateSimpleJsonPath(String(value), `${path}.${field}`);
    if (simple.length > 0) errs.push(...simple);
    else if (!prefixes.some((p) => String(value).startsWith(p))) errs.push(invalid(`${path}.${field}`, value, detail));
  };
  if (!scale.specReplicasPath) errs.push(required(`${path}.specReplicasPath`));
  else under('specReplicasPath', scale.specReplicasPath, ['.spec.'], 'should be a json path under .spec');
  if (!scale.statusReplicasPath) errs.push(required(`${path}.statusReplicasPath`));
  else under('statusReplicasPath', scale.statusReplicasPath, ['.status.'], 'should be a json path under .status');
  if (scale.labelSelectorPath) {
    under('labelSelectorPath', scale.labelSelectorPath, ['.spec.', '.status.'], 'should be a json path under either .spec or .status');
  }
  return errs;
}

function validatePrinterColumn(col: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!col?.name) errs.push(required(`${path}.name`));
  if (!col?.type) errs.push(required(`${path}.type`, `must be one of ${COLUMN_TYPES.join(',')}`));
  else if (!COLUMN_TYPES.includes(col.type)) errs.push(invalid(`${path}.type`, col.type, `must be one of ${COLUMN_TYPES.join(',')}`));
  if (col?.format && !COLUMN_FORMATS.includes(col.format)) errs.push(invalid(`${path}.format`, col.format, `must be one of ${COLUMN_FORMATS.join(',')}`));
  // Upstream names the field by its Go name here (JSONPath), not its JSON one.
  if (!col?.jsonPath) errs.push(required(`${path}.JSONPath`));
  else errs.push(...validateSimpleJsonPath(String(col.jsonPath), `${path}.JSONPath`));
  if (col?.priority !== undefined && (typeof col.priority !== 'number' || col.priority < 0)) {
    errs.push(invalid(`${path}.priority`, col.priority, 'must be a non-negative integer'));
  }
  return errs;
}

function validateNames(names: Record<string, any>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const field of ['plural', 'singular', 'kind', 'listKind']) if (!names[field]) errs.push(required(`${path}.${field}`));
  const label = (field: string, value: unknown, mixedCase = false): void => {
    if (typeof value !== 'string' || value === '') return;
    const problems = checkDns1035Label(mixedCase ? value.toLowerCase() : value);
    if (problems.length === 0) return;
    errs.push(invalid(`${path}.${field}`, value, mixedCase ? `may have mixed case, but should otherwise match: ${problems.join(',')}` : problems.join(',')));
  };
  label('plural', names.plural);
  label('singular', names.singular);
  label('kind', names.kind, true);
  label('listKind', names.listKind, true);
  (names.shortNames ?? []).forEach((s: unknown, i: number) => label(`shortNames[${i}]`, s));
  if (names.kind && names.kind === names.listKind) errs.push(invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((c: unknown, i: number) => label(`categories[${i}]`, c));
  return errs;
}

function validateConversion(conversion: any): FieldError[] {
  if (!isObject(conversion)) return [];
  const strategy = conversion.strategy;
  if (!CONVERSION_STRATEGIES.includes(strategy)) return [notSupported('spec.conversion.strategy', strategy, CONVERSION_STRATEGIES)];
  const webhook = conversion.webhook;
  if (strategy === 'None') {
    return webhook !== undefined ? [forbidden('spec.conversion.webhook', 'should not be set when strategy is not set to Webhook')] : [];
  }
  if (!isObject(webhook)) return [required('spec.conversion.webhook', 'required when strategy is set to Webhook')];
  const errs: FieldError[] = [];
  const client = webhook.clientConfig;
  if (!isObject(client)) errs.push(required('spec.conversion.webhook.clientConfig', 'required when strategy is set to Webhook'));
  else if ((client.url === undefined) === (client.service === undefined)) {
    errs.push(required('spec.conversion.webhook.clientConfig', 'exactly one of url or service is required'));
  }
  const reviews: unknown[] = Array.isArray(webhook.conversionReviewVersions) ? webhook.conversionReviewVersions : [];
  if (reviews.length === 0) {
    errs.push(required('spec.conversion.webhook.conversionReviewVersions', `must include at least one of ${CONVERSION_REVIEW_VERSIONS.join(', ')}`));
  } else if (!reviews.some((v) => CONVERSION_REVIEW_VERSIONS.includes(v as string))) {
    errs.push(invalid('spec.conversion.webhook.conversionReviewVersions', reviews, `must include at least one of ${CONVERSION_REVIEW_VERSIONS.join(', ')}`));
  }
  return errs;
}
