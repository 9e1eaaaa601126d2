/**
 * Field selectors (`?fieldSelector=metadata.name=web,spec.nodeName!=`) as Kubernetes parses them
 * (k8s.io/apimachinery/pkg/fields), with the per-kind set of selectable fields the apiserver
 * supports (each registry's GetAttrs / field label conversion).
 */
import type { ResourceInfo } from './resource-info.ts';
import { SelectorError } from './selector-error.ts';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export type FieldGetter = (obj: any) => string;

/**
 * The fields one resource selects on and the words that refuse any other: built-in kinds
 * have a fixed set (selectableFields below); a custom resource's version brings its CRD's.
 */
export interface FieldSet {
  fields: Record<string, FieldGetter>;
  unsupported(field: string): string;
}

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

export const metaFields: Record<string, FieldGetter> = {
  'metadata.name': (o) => str(o?.metadata?.name),
  'metadata.namespace': (o) => str(o?.metadata?.namespace),
};

const coreEventFields: Record<string, FieldGetter> = {
  'involvedObject.kind': (o) => str(o?.involvedObject?.kind),
  'involvedObject.namespace': (o) => str(o?.involvedObject?.namespace),
  'involvedObject.name': (o) => str(o?.involvedObject?.name),
  'involvedObject.uid': (o) => str(o?.involvedObject?.uid),
  'involvedObject.apiVersion': (o) => str(o?.involvedObject?.apiVersion),
  'involvedObject.resourceVersion': (o) => str(o?.involvedObject?.resourceVersion),
  'involvedObject.fieldPath': (o) => str(o?.involvedObject?.fieldPath),
  reason: (o) => str(o?.reason),
  reportingComponent: (o) => str(o?.reportingComponent),
  source: (o) => str(o?.source?.component),
  type: (o) => str(o?.type),
};

/** Selectable fields beyond metadata.name/namespace, keyed by 'group/resource'. */
const kindFields: Record<string, Record<string, FieldGetter>> = {
  '/pods': {
    'spec.nodeName': (o) => str(o?.spec?.nodeName),
    'spec.restartPolicy': (o) => str(o?.spec?.restartPolicy),
    'spec.schedulerName': (o) => str(o?.spec?.schedulerName),
    'spec.serviceAccountName': (o) => str(o?.spec?.serviceAccountName),
    'spec.hostNetwork': (o) => String(o?.spec?.hostNetwork === true),
    'status.phase': (o) => str(o?.status?.phase),
    'status.podIP': (o) => str(o?.status?.podIP),
    'status.nominatedNodeName': (o) => str(o?.status?.nominatedNodeName),
  },
  '/events': coreEventFields,
  'events.k8s.io/events': {
    // The same objects as core events, so Kubernetes accepts the core field names here too.
    // The apiserver matches them in their storage version, core/v1, as Kubernetes' field
    // label conversion does (regarding.kind is involvedObject.kind there); the events.k8s.io
    // shape still answers, for callers that filter objects they read through this group.
    ...coreEventFields,
    ...Object.fromEntries(
      ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].flatMap((part) => {
        const getter: FieldGetter = (o) => str((o?.involvedObject ?? o?.regarding)?.[part]);
        return [
          [`regarding.${part}`, getter],
          [`involvedObject.${part}`, getter],
        ];
      }),
    ),
    reportingController: (o) => str(o?.reportingComponent ?? o?.reportingController),
    source: (o) => str((o?.source ?? o?.deprecatedSource)?.component),
  },
  '/secrets': { type: (o) => str(o?.type) },
  '/nodes': { 'spec.unschedulable': (o) => String(o?.spec?.unschedulable === true) },
  '/namespaces': { 'status.phase': (o) => str(o?.status?.phase) },
  '/services': {
    'spec.clusterIP': (o) => str(o?.spec?.clusterIP),
    'spec.type': (o) => str(o?.spec?.type),
  },
  'apps/replicasets': { 'status.replicas': (o) => str(o?.status?.replicas ?? 0) },
  '/replicationcontrollers': { 'status.replicas': (o) => str(o?.status?.replicas ?? 0) },
  // The Job registry's only selectable field names the count of succeeded pods differently.
  'batch/jobs': { 'status.successful': (o) => str(o?.status?.succeeded ?? 0) },
};

/** Every selectable field of a resource, with how to read it. */
export function selectableFields(res: Pick<ResourceInfo, 'group' | 'resource'>): Record<string, FieldGetter> {
  return { ...metaFields, ...kindFields[`${res.group}/${res.resource}`] };
}

/** Splits on unescaped commas (`\,` stays inside the term). */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length) {
      current += ch + s[i + 1];
      i++;
    } else if (ch === ',') {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms;
}

/** The first unescaped operator wins, longest first: '!=' before '==' before '='. */
function splitTerm(term: string): [string, '=' | '==' | '!=', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      const next = s[i + 1];
      if (next === undefined || !'\\,='.includes(next)) throw new SelectorError(`invalid field selector: invalid escape sequence: ${s}`);
      out += next;
      i++;
    } else if (ch === ',' || ch === '=') {
      throw new SelectorError(`invalid field selector: unescaped ${ch} in value: ${s}`);
    } else {
      out += ch;
    }
  }
  return out;
}

/** Parses the syntax only; `compileFieldSelector` also checks the fields are known. */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  for (const part of splitTerms(selector).sort()) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, op, raw] = split;
    out.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeValue(raw) });
  }
  return out;
}

function builtinFieldSet(res: Pick<ResourceInfo, 'group' | 'resource'>): FieldSet {
  const fields = selectableFields(res);
  const known = Object.keys(fields)
    .map((f) => `"${f}"`)
    .join(', ');
  return { fields, unsupported: (field) => `"${field}" is not a known field selector: only ${known}` };
}

/** A matcher for a field selector on one resource; unknown fields throw like Kubernetes. */
export function compileFieldSelector(
  res: Pick<ResourceInfo, 'group' | 'resource'>,
  selector: string,
  fieldSet: FieldSet = builtinFieldSet(res),
): (obj: any) => boolean {
  const { fields } = fieldSet;
  const requirements = parseFieldSelector(selector);
  const checks = requirements.map((r) => {
    const get = fields[r.field];
    if (!get) throw new SelectorError(fieldSet.unsupported(r.field));
    return r.operator === '=' ? (obj: any) => get(obj) === r.value : (obj: any) => get(obj) !== r.value;
  });
  return (obj) => checks.every((check) => check(obj));
}

/** The value of one selectable field of an object (e.g. for the watch cache's indexes). */
export function getFieldValue(res: Pick<ResourceInfo, 'group' | 'resource'>, obj: any, field: string): string | undefined {
  return selectableFields(res)[field]?.(obj);
}
