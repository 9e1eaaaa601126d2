/**
 * The Kubernetes type tree, as @kubernetes/client-node's generated models describe it,
 * read from the schema catalog (catalog-file.ts) the first time a model is asked for.
 * Importing this module costs nothing: the apiserver pays for the catalog when it first
 * decodes a body or builds its OpenAPI document, and no other component ever does.
 */
import { loadCatalog, type CatalogModel } from './catalog-file.ts';

/** A field's type, parsed from client-node's type strings. */
export type TypeRef =
  | { kind: 'string'; format?: string }
  | { kind: 'boolean' }
  | { kind: 'integer'; format?: string }
  | { kind: 'number'; format?: string }
  /** 'Date' in client-node: metav1.Time (date-time) or MicroTime (date-time-micro). */
  | { kind: 'time'; micro: boolean }
  | { kind: 'intOrString' }
  /** Free-form JSON (RawExtension, FieldsV1, JSONSchemaProps' examples). */
  | { kind: 'any' }
  | { kind: 'array'; items: TypeRef }
  | { kind: 'map'; values: TypeRef }
  | { kind: 'model'; name: string };

export interface ModelField {
  /** JSON name ('default' for JSONSchemaProps' '_default'). */
  jsonName: string;
  type: TypeRef;
  required: boolean;
  description?: string;
}

export interface Model {
  /** client-node class name, e.g. 'V1PodSpec', 'CoreV1Event'. */
  name: string;
  description?: string;
  fields: Map<string, ModelField>;
}

let catalogModels: Record<string, CatalogModel> | undefined;
const cache = new Map<string, Model | undefined>();

function catalogModel(name: string): CatalogModel | undefined {
  catalogModels ??= loadCatalog().models;
  return Object.hasOwn(catalogModels, name) ? catalogModels[name] : undefined;
}

/** True when client-node has a model class of this name. */
export function hasModel(name: string): boolean {
  return catalogModel(name) !== undefined;
}

/** The model named `name` ('V1Pod'), or undefined when client-node has none. */
export function getModel(name: string): Model | undefined {
  if (cache.has(name)) return cache.get(name);
  const entry = catalogModel(name);
  let model: Model | undefined;
  if (entry) {
    model = { name, fields: new Map() };
    if (entry.d) model.description = entry.d;
    for (const [jsonName, type, format, required, description] of entry.f) {
      model.fields.set(jsonName, { jsonName, type: parseTypeString(type, format), required: required === 1, description });
    }
  }
  cache.set(name, model);
  return model;
}

/**
 * Parses client-node's type strings: 'string', 'number' (+format int32/int64/double),
 * 'Date', 'IntOrString', 'any', 'Array<T>', '{ [key: string]: T; }' and class names.
 */
export function parseTypeString(type: string, format = ''): TypeRef {
  const trimmed = type.trim();
  const array = /^Array<(.+)>$/.exec(trimmed);
  if (array) return { kind: 'array', items: parseTypeString(array[1]) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(trimmed);
  if (map) return { kind: 'map', values: parseTypeString(map[1]) };
  switch (trimmed) {
    case 'string':
      return format ? { kind: 'string', format } : { kind: 'string' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'number':
      if (format === 'double' || format === 'float') return { kind: 'number', format };
      return format ? { kind: 'integer', format } : { kind: 'integer' };
    case 'Date':
      return { kind: 'time', micro: format === 'date-time-micro' };
    case 'IntOrString':
      return { kind: 'intOrString' };
    case 'any':
    case 'object':
      return { kind: 'any' };
    default:
      return { kind: 'model', name: trimmed };
  }
}
