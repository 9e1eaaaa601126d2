/**
 * The Kubernetes type tree, read at run time from @kubernetes/client-node's generated
 * models: every model class carries `attributeTypeMap` (field name, JSON name, type
 * string such as 'Array<V1Container>'), and its `.d.ts` beside it carries the field
 * descriptions and which fields are required (no `?`). We walk that instead of keeping
 * a copy of Kubernetes' schema in the repo.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as generatedModels from '@kubernetes/client-node/dist/gen/models/all.js';

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

interface AttributeType {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface ModelClass {
  attributeTypeMap?: AttributeType[];
}

const modelClasses = generatedModels as unknown as Record<string, ModelClass | undefined>;
const modelsDir = dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node/dist/gen/models/all.js'));
const cache = new Map<string, Model | undefined>();

/** True when client-node has a model class of this name. */
export function hasModel(name: string): boolean {
  return Array.isArray(modelClasses[name]?.attributeTypeMap);
}

/** The model named `name` ('V1Pod'), or undefined when client-node has none. */
export function getModel(name: string): Model | undefined {
  if (cache.has(name)) return cache.get(name);
  const attributes = modelClasses[name]?.attributeTypeMap;
  let model: Model | undefined;
  if (Array.isArray(attributes)) {
    const docs = readDeclarationDocs(name);
    model = { name, description: docs.classDescription, fields: new Map() };
    for (const attr of attributes) {
      const fieldDoc = docs.fields.get(attr.name);
      model.fields.set(attr.baseName, {
        jsonName: attr.baseName,
        type: parseTypeString(attr.type, attr.format),
        required: fieldDoc?.required ?? false,
        description: fieldDoc?.description,
      });
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

interface DeclarationDocs {
  classDescription?: string;
  fields: Map<string, { required: boolean; description?: string }>;
}

/**
 * Reads descriptions and required-ness from the model's `.d.ts`, which looks like
 *   /** * A single application container ... *\/ export declare class V1Container {
 *     /** * Name of the container ... *\/ 'name': string;
 *     'image'?: string;
 * A missing or unreadable file only costs descriptions, never the structure.
 */
function readDeclarationDocs(name: string): DeclarationDocs {
  const docs: DeclarationDocs = { fields: new Map() };
  let text: string;
  try {
    text = readFileSync(join(modelsDir, `${name}.d.ts`), 'utf8');
  } catch {
    return docs;
  }
  const classMatch = /\/\*\*\s*\n((?:\s*\*.*\n)*?)\s*\*\/\s*\nexport declare class /.exec(text);
  if (classMatch) docs.classDescription = cleanComment(classMatch[1]);
  const fieldPattern = /(?:\/\*\*\s*\n((?:\s*\*.*\n)*?)\s*\*\/\s*\n)?\s*'([^']+)'(\?)?:/g;
  for (const match of text.matchAll(fieldPattern)) {
    docs.fields.set(match[2], {
      required: match[3] !== '?',
      description: match[1] ? cleanComment(match[1]) : undefined,
    });
  }
  return docs;
}

function cleanComment(block: string): string | undefined {
  const text = block
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, ''))
    .join('\n')
    .trim()
    .replace(/\\'/g, "'")
    .replace(/\\"/g, '"');
  return text || undefined;
}
