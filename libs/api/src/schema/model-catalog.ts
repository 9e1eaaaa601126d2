/**
 * The Kubernetes type tree, as @kubernetes/client-node's generated models describe it,
 * read from the committed schema catalog (catalog-file.ts) the first time a model is
 * asked for. Importing this module costs nothing; descriptions load separately, only
 * for the OpenAPI documents.
 */
import { loadDescriptions, loadModels } from './catalog-file.ts';

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
}

export interface Model {
  /** client-node class name, e.g. 'V1PodSpec', 'CoreV1Event'. */
  name: string;
  fields: Map<string, ModelField>;
}

export interface ModelDescription {
  description?: string;
  /** JSON name → description. */
  fields: Readonly<Record<string, string>>;
}

const cache = new Map<string, Model | undefined>();

/** True when client-node has a model class of this name. */
export function hasModel(name: string): boolean {
  return Object.hasOwn(loadModels(), name);
}

/** The model named `name` ('V1Pod'), or undefined when client-node has none. */
export function getModel(name: string): Model | undefined {
  if (cache.has(name)) return cache.get(name);
  let model: Model | undefined;
  if (hasModel(name)) {
    model = { name, fields: new Map() };
    for (const [jsonName, type, format, required] of loadModels()[name]) {
      model.fields.set(jsonName, { jsonName, type: parseTypeString(type, format), required: required === 1 });
    }
  }
  cache.set(name, model);
  return model;
}

/** The prose of model `name` and its fields (empty when it has none). */
export function describeModel(name: string): ModelDescription {
  const descriptions = loadDescriptions();
  const entry = Object.hasOwn(descriptions, name) ? descriptions[name] : undefined;
  return { description: entry?.d, fields: entry?.f ?? {} };
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
