/**
 * OpenAPI v2 `definitions` for the built-in kinds, shaped like Kubernetes' own
 * /openapi/v2: keyed 'io.k8s.api.core.v1.Pod', `$ref` between definitions,
 * `x-kubernetes-group-version-kind` on kinds, and the strategic-merge-patch extensions
 * kubectl apply reads.
 */
import { describeModel, getModel, type Model, type TypeRef } from './model-catalog.ts';
import { builtinKinds, definitionNameFor, findModelName, metaPrefix, splitModelName, type GroupVersionKind } from './builtin-kinds.ts';
import { findPatchStrategy } from './patch-strategies.ts';

/** A JSON Schema object as OpenAPI v2 uses it (kept loose: it is data, not code). */
export interface OpenApiSchema {
  $ref?: string;
  type?: string;
  format?: string;
  description?: string;
  required?: string[];
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  [extension: `x-${string}`]: unknown;
}

const refPrefix = '#/definitions/';
const timeName = `${metaPrefix}.Time`;
const microTimeName = `${metaPrefix}.MicroTime`;
const intOrStringName = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

let defaultDefinitions: Record<string, OpenApiSchema> | undefined;

/**
 * Definitions for `kinds` (default: every built-in kind) and their Lists, everything
 * they reference, and the meta types every API answers with (Status, DeleteOptions,
 * WatchEvent, Table, discovery lists). The default result is built once and shared:
 * treat it as read-only.
 */
export function openApiDefinitions(kinds: readonly GroupVersionKind[] = builtinKinds): Record<string, OpenApiSchema> {
  if (kinds === builtinKinds) return (defaultDefinitions ??= buildDefinitions(builtinKinds));
  return buildDefinitions(kinds);
}

/** The definition name of a kind ('io.k8s.api.apps.v1.Deployment'), if we model it. */
export function findDefinitionName(gvk: GroupVersionKind): string | undefined {
  const definitions = openApiDefinitions();
  for (const [name, schema] of Object.entries(definitions)) {
    const gvks = schema['x-kubernetes-group-version-kind'] as GroupVersionKind[] | undefined;
    if (gvks?.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) return name;
  }
  return undefined;
}

function buildDefinitions(requested: readonly GroupVersionKind[]): Record<string, OpenApiSchema> {
  // Core first, then the rest of the built-ins, then extras: a nested type's package is
  // the group of the first kind that reaches it (see definitionNameFor).
  const all = [...requested, ...builtinKinds.filter((b) => !requested.some((r) => sameGvk(r, b)))];
  const ordered = [...all.filter((k) => k.group === ''), ...all.filter((k) => k.group !== '')];
  const names = new Map<string, string>();
  const gvksByModel = new Map<string, GroupVersionKind[]>();
  const addKind = (gvk: GroupVersionKind, modelName = findModelName(gvk)) => {
    if (!modelName) return;
    gvksByModel.set(modelName, [...(gvksByModel.get(modelName) ?? []), gvk]);
    assignNames(modelName, gvk.group, names);
  };
  for (const gvk of ordered) {
    addKind(gvk);
    addKind({ ...gvk, kind: `${gvk.kind}List` });
  }
  for (const groupVersion of uniqueGroupVersions(ordered)) {
    // Every group-version answers with the one meta/v1 DeleteOptions and WatchEvent.
    for (const kind of ['DeleteOptions', 'WatchEvent']) addKind({ ...groupVersion, kind }, `V1${kind}`);
  }
  for (const kind of ['Status', 'APIResourceList', 'APIGroupList', 'APIGroup', 'APIVersions']) {
    addKind({ group: '', version: 'v1', kind });
  }

  const definitions: Record<string, OpenApiSchema> = {};
  for (const [modelName, definitionName] of names) {
    const model = getModel(modelName);
    if (!model) continue;
    const schema = renderModel(model, names);
    const gvks = gvksByModel.get(modelName);
    if (gvks) schema['x-kubernetes-group-version-kind'] = gvks.map(({ group, kind, version }) => ({ group, kind, version }));
    definitions[definitionName] = schema;
  }
  Object.assign(definitions, apimachineryDefinitions());
  return definitions;
}

/** Walks the type tree from `modelName`, naming each model the first time it is seen. */
function assignNames(modelName: string, ownerGroup: string, names: Map<string, string>): void {
  const pending = [modelName];
  const taken = new Set(names.values());
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (names.has(name)) continue;
    const model = getModel(name);
    if (!model) continue;
    let definitionName = definitionNameFor(name, ownerGroup);
    // Two classes one name (a group guessed wrong): keep both, distinguishable.
    if (taken.has(definitionName)) definitionName = `${definitionName}.${name}`;
    names.set(name, definitionName);
    taken.add(definitionName);
    for (const field of model.fields.values()) pending.push(...referencedModels(field.type));
  }
}

function referencedModels(type: TypeRef): string[] {
  if (type.kind === 'model') return [type.name];
  if (type.kind === 'array') return referencedModels(type.items);
  if (type.kind === 'map') return referencedModels(type.values);
  return [];
}

function renderModel(model: Model, names: Map<string, string>): OpenApiSchema {
  const { shortName } = splitModelName(model.name);
  const prose = describeModel(model.name);
  const schema: OpenApiSchema = {};
  if (prose.description) schema.description = prose.description;
  schema.type = 'object';
  const required = [...model.fields.values()].filter((f) => f.required).map((f) => f.jsonName);
  if (required.length > 0) schema.required = required;
  const properties: Record<string, OpenApiSchema> = {};
  for (const field of model.fields.values()) {
    const property = renderType(field.type, names);
    const description = prose.fields[field.jsonName];
    if (description) property.description = description;
    const patch = findPatchStrategy(shortName, field.jsonName);
    if (patch?.mergeKey) property['x-kubernetes-patch-merge-key'] = patch.mergeKey;
    if (patch) property['x-kubernetes-patch-strategy'] = patch.strategy;
    properties[field.jsonName] = property;
  }
  if (model.fields.size > 0) schema.properties = properties;
  return schema;
}

function renderType(type: TypeRef, names: Map<string, string>): OpenApiSchema {
  switch (type.kind) {
    case 'string':
      return type.format ? { type: 'string', format: type.format } : { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
    case 'number':
      return type.format ? { type: type.kind, format: type.format } : { type: type.kind };
    case 'time':
      return { $ref: refPrefix + (type.micro ? microTimeName : timeName) };
    case 'intOrString':
      return { $ref: refPrefix + intOrStringName };
    case 'any':
      // No type at all: clients treat the value as arbitrary JSON (RawExtension, FieldsV1).
      return {};
    case 'array':
      return { type: 'array', items: renderType(type.items, names) };
    case 'map':
      return { type: 'object', additionalProperties: renderType(type.values, names) };
    case 'model': {
      const name = names.get(type.name);
      // A class client-node references but does not define: accept anything there.
      return name ? { $ref: refPrefix + name } : {};
    }
  }
}

/** apimachinery types that client-node flattens into strings or leaves out. */
function apimachineryDefinitions(): Record<string, OpenApiSchema> {
  const tableGvk = [{ group: 'meta.k8s.io', kind: 'Table', version: 'v1' }];
  return {
    [timeName]: { description: 'Time is a wrapper around time.Time, serialized as RFC 3339.', type: 'string', format: 'date-time' },
    [microTimeName]: { description: 'MicroTime is a version of Time with microsecond level precision.', type: 'string', format: 'date-time-micro' },
    [intOrStringName]: { description: 'IntOrString is a type that can hold an int32 or a string.', type: 'string', format: 'int-or-string' },
    'io.k8s.apimachinery.pkg.api.resource.Quantity': { description: 'Quantity is a fixed-point representation of a number, e.g. 100m or 1Gi.', type: 'string' },
    'io.k8s.apimachinery.pkg.runtime.RawExtension': { description: 'RawExtension holds an arbitrary embedded object.', type: 'object' },
    [`${metaPrefix}.Table`]: {
      description: 'Table is a tabular representation of a set of API resources.',
      type: 'object',
      required: ['columnDefinitions', 'rows'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { $ref: `${refPrefix}${metaPrefix}.ListMeta` },
        columnDefinitions: { type: 'array', items: { $ref: `${refPrefix}${metaPrefix}.TableColumnDefinition` } },
        rows: { type: 'array', items: { $ref: `${refPrefix}${metaPrefix}.TableRow` } },
      },
      'x-kubernetes-group-version-kind': tableGvk,
    },
    [`${metaPrefix}.TableColumnDefinition`]: {
      type: 'object',
      required: ['name', 'type', 'format', 'description', 'priority'],
      properties: {
        name: { type: 'string' },
        type: { type: 'string' },
        format: { type: 'string' },
        description: { type: 'string' },
        priority: { type: 'integer', format: 'int32' },
      },
    },
    [`${metaPrefix}.TableRow`]: {
      type: 'object',
      required: ['cells'],
      properties: {
        cells: { type: 'array', items: {} },
        conditions: { type: 'array', items: { type: 'object' } },
        object: { $ref: `${refPrefix}io.k8s.apimachinery.pkg.runtime.RawExtension` },
      },
    },
  };
}

function uniqueGroupVersions(kinds: readonly GroupVersionKind[]): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const { group, version } of kinds) seen.set(`${group}/${version}`, { group, version });
  return [...seen.values()];
}

function sameGvk(a: GroupVersionKind, b: GroupVersionKind): boolean {
  return a.group === b.group && a.version === b.version && a.kind === b.kind;
}
