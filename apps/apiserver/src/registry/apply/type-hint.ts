/**
 * What server-side apply needs to know of a kind's schema: which lists merge by key
 * (`x-kubernetes-list-type: map`), which are sets, which are atomic (every other list,
 * as upstream treats a list without a list type), which objects are replaced whole, and
 * which fields no manager owns. Built-in kinds take it from the strategic-merge-patch
 * table (the same `patchMergeKey` facts Kubernetes' OpenAPI carries as list-map-keys);
 * custom resources from their CRD's structural schema.
 */
import type { FieldPatchMeta, TypePatchMeta } from '@skiff/api';
import { listKeysFor } from './list-keys.ts';

export interface TypeHint {
  /** Known fields of an object. */
  fields?: Readonly<Record<string, TypeHint>>;
  /** Any other field of an object (a map's values). */
  additional?: TypeHint;
  /** How a list merges; lists without one are atomic. */
  listType?: 'atomic' | 'set' | 'map';
  keys?: readonly string[];
  /** Defaults of key fields an item may omit (the schema's `default` of each key). */
  keyDefaults?: Readonly<Record<string, unknown>>;
  items?: TypeHint;
  /** An object replaced whole (`x-kubernetes-map-type: atomic`, patchStrategy replace). */
  atomic?: boolean;
  /** Owned by nobody: server-set metadata, and the part of the object another endpoint writes. */
  ignored?: boolean;
}

export const IGNORED: TypeHint = Object.freeze({ ignored: true });

export function childHint(hint: TypeHint | undefined, name: string): TypeHint | undefined {
  return hint?.fields?.[name] ?? hint?.additional;
}

/** ObjectMeta as apply sees it: the server-set fields are nobody's (upstream's stripMeta). */
const SERVER_SET_META = [
  'name',
  'namespace',
  'creationTimestamp',
  'selfLink',
  'uid',
  'clusterName',
  'generation',
  'managedFields',
  'resourceVersion',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

function objectMetaHint(meta: TypePatchMeta | undefined): TypeHint {
  const fields: Record<string, TypeHint> = { ...fromPatchMeta(meta ?? {}).fields };
  for (const name of SERVER_SET_META) fields[name] = IGNORED;
  return { fields };
}

const patchMetaHints = new WeakMap<TypePatchMeta, TypeHint>();

function fromPatchMeta(meta: TypePatchMeta): TypeHint {
  let hint = patchMetaHints.get(meta);
  if (hint) return hint;
  const fields: Record<string, TypeHint> = {};
  for (const [name, field] of Object.entries(meta)) fields[name] = fromFieldPatchMeta(name, field);
  hint = { fields };
  patchMetaHints.set(meta, hint);
  return hint;
}

/** The table does not say whether a field holds a list or an object: the hint serves both, the value decides. */
function fromFieldPatchMeta(name: string, field: FieldPatchMeta): TypeHint {
  const inner = field.type ? fromPatchMeta(field.type) : undefined;
  const listType = field.strategy === 'merge' ? (field.mergeKey ? 'map' : 'set') : undefined;
  const listKeys = field.mergeKey ? listKeysFor(name, field.mergeKey) : undefined;
  return {
    ...(inner ? { fields: inner.fields, items: inner } : {}),
    ...(listType ? { listType } : {}),
    ...(listKeys ? { keys: listKeys.keys } : {}),
    ...(listKeys?.defaults ? { keyDefaults: listKeys.defaults } : {}),
    ...(field.strategy === 'replace' ? { atomic: true } : {}),
  };
}

/** A built-in kind's hint from its patch metadata (undefined: an unknown kind, ObjectMeta only). */
export function hintFromPatchMeta(meta: TypePatchMeta | undefined): TypeHint {
  const top = meta ? fromPatchMeta(meta) : { fields: {} };
  const metadata = meta?.metadata?.type;
  return { fields: { ...top.fields, apiVersion: IGNORED, kind: IGNORED, metadata: objectMetaHint(metadata) } };
}

type Schema = Record<string, unknown>;

/** A custom resource's hint from `openAPIV3Schema`. */
export function hintFromSchema(schema: Schema | undefined): TypeHint {
  const top = schema ? fromSchema(schema) : {};
  return { ...top, fields: { ...top.fields, apiVersion: IGNORED, kind: IGNORED, metadata: objectMetaHint(undefined) } };
}

function fromSchema(schema: Schema): TypeHint {
  const hint: TypeHint & { fields?: Record<string, TypeHint> } = {};
  if (isSchema(schema.properties)) {
    hint.fields = Object.fromEntries(
      Object.entries(schema.properties)
        .filter(([, s]) => isSchema(s))
        .map(([name, s]) => [name, fromSchema(s as Schema)]),
    );
  }
  if (isSchema(schema.additionalProperties)) hint.additional = fromSchema(schema.additionalProperties);
  if (schema['x-kubernetes-map-type'] === 'atomic') hint.atomic = true;
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set' || listType === 'map' || listType === 'atomic') hint.listType = listType;
  const keys = schema['x-kubernetes-list-map-keys'];
  if (Array.isArray(keys)) hint.keys = keys.filter((k): k is string => typeof k === 'string');
  if (isSchema(schema.items)) {
    hint.items = fromSchema(schema.items);
    if (hint.keys) hint.keyDefaults = keyDefaultsOf(schema.items, hint.keys);
  }
  // An embedded object's metadata is as server-set as the top-level one.
  if (schema['x-kubernetes-embedded-resource'] === true) hint.fields = { ...hint.fields, metadata: objectMetaHint(undefined) };
  return hint;
}

/** The defaults a CRD's schema gives its list-map key fields: an item may omit those keys. */
function keyDefaultsOf(items: Schema, keys: readonly string[]): Record<string, unknown> | undefined {
  const props = isSchema(items.properties) ? items.properties : {};
  const found = keys.flatMap((key) => {
    const prop = props[key];
    return isSchema(prop) && prop.default !== undefined ? [[key, prop.default] as const] : [];
  });
  return found.length > 0 ? Object.fromEntries(found) : undefined;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The hint for a write through `subresource`: the main endpoint owns nothing under
 * `status` when a status subresource exists (it cannot change it), and the status
 * endpoint owns nothing but `status` (upstream's reset fields).
 */
export function hintForEndpoint(base: TypeHint, subresource: string, hasStatus: boolean): TypeHint {
  if (subresource === 'status') return { fields: { status: base.fields?.status ?? {} }, additional: IGNORED };
  if (subresource === '' && hasStatus) return { ...base, fields: { ...base.fields, status: IGNORED } };
  return base;
}
