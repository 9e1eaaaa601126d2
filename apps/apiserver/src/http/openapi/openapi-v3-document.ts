/**
 * The OpenAPI 3.0 documents served at /openapi/v3/<prefix>: one per group-version
 * ('api/v1', 'apis/apps/v1', 'apis/stable.example.com/v1'), as kube-apiserver splits
 * them. Each is made from the v2 document: its paths under that prefix, in v3 dress
 * (requestBody, responses by content type, parameter schemas), and only the schemas
 * those paths reach, under components.schemas. Newest kubectl reads them for explain,
 * for strategic-merge-patch keys, and to learn that PATCH takes `fieldValidation`.
 */
import type { OpenApiSchema } from '@skiff/api';
import type { OpenApiOperation, OpenApiParameter, OpenApiPathItem, OpenApiV2Document } from './openapi-v2-document.ts';

export interface OpenApiV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
}

const v2Refs = '#/definitions/';
const v3Refs = '#/components/schemas/';
const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;
const responseTypes = ['application/json', 'application/yaml'];

/** 'api/v1' → its document, for every group-version with paths in `v2`, in path order. */
export function buildOpenApiV3Documents(v2: OpenApiV2Document): Map<string, OpenApiV3Document> {
  const documents = new Map<string, OpenApiV3Document>();
  for (const [path, item] of Object.entries(v2.paths)) {
    const prefix = groupVersionPrefix(path);
    if (!prefix) continue;
    let doc = documents.get(prefix);
    if (!doc) {
      doc = { openapi: '3.0.0', info: { title: 'Kubernetes', version: v2.info.version }, paths: {}, components: { schemas: {} } };
      documents.set(prefix, doc);
    }
    doc.paths[path] = convertPathItem(item);
  }
  for (const doc of documents.values()) doc.components.schemas = reachableSchemas(doc.paths, v2.definitions);
  return documents;
}

/** '/apis/apps/v1/namespaces/{namespace}/deployments' → 'apis/apps/v1'; '/api/v1/pods' → 'api/v1'. */
export function groupVersionPrefix(path: string): string | undefined {
  return /^\/(api\/[^/]+|apis\/[^/]+\/[^/]+)(\/|$)/.exec(path)?.[1];
}

function convertPathItem(item: OpenApiPathItem): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const method of methods) {
    const op = item[method];
    if (op) out[method] = convertOperation(op);
  }
  if (item.parameters) out.parameters = item.parameters.map(convertParameter);
  return out;
}

function convertOperation(op: OpenApiOperation): Record<string, unknown> {
  const { consumes, produces, schemes: _schemes, parameters, responses, ...rest } = op;
  const out: Record<string, unknown> = { ...rest };
  const body = parameters.find((p) => p.in === 'body');
  if (body?.schema) {
    const bodyTypes = consumes.includes('*/*') ? ['*/*'] : consumes;
    out.requestBody = {
      content: Object.fromEntries(bodyTypes.map((type) => [type, { schema: convertSchema(body.schema!) }])),
      ...(body.required ? { required: true } : {}),
    };
  }
  const others = parameters.filter((p) => p.in !== 'body');
  if (others.length > 0) out.parameters = others.map(convertParameter);
  const types = produces.filter((type) => responseTypes.includes(type) || type.includes('watch'));
  out.responses = Object.fromEntries(
    Object.entries(responses).map(([code, { description, schema }]) => [
      code,
      schema ? { description, content: Object.fromEntries(types.map((type) => [type, { schema: convertSchema(schema) }])) } : { description },
    ]),
  );
  return out;
}

function convertParameter({ name, in: where, description, required, type, uniqueItems }: OpenApiParameter): Record<string, unknown> {
  const out: Record<string, unknown> = { name, in: where };
  if (description) out.description = description;
  if (required) out.required = true;
  out.schema = uniqueItems ? { type, uniqueItems } : { type };
  return out;
}

/**
 * Refs move to components.schemas, and a `$ref` with siblings (a description, say) is
 * wrapped in `allOf`, since OpenAPI 3.0 ignores a $ref's siblings; kube-apiserver does
 * the same and kubectl reads through it.
 */
export function convertSchema(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') out.$ref = value.replace(v2Refs, v3Refs);
    else if (key === 'properties' || key === 'patternProperties') out[key] = mapValues(value, convertSchema);
    else if (key === 'items' || key === 'additionalProperties' || key === 'not') out[key] = convertSchema(value);
    else if (['allOf', 'anyOf', 'oneOf'].includes(key) && Array.isArray(value)) out[key] = value.map(convertSchema);
    else out[key] = value; // data (default, enum, example), extensions and plain keywords
  }
  if (typeof out.$ref === 'string' && Object.keys(out).length > 1) {
    const { $ref, ...siblings } = out;
    return { allOf: [{ $ref }], ...siblings };
  }
  return out;
}

function mapValues(record: unknown, map: (value: unknown) => unknown): unknown {
  if (typeof record !== 'object' || record === null) return record;
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

/** The definitions `root` references, transitively, converted; keyed by name. */
function reachableSchemas(root: unknown, definitions: Record<string, OpenApiSchema>): Record<string, unknown> {
  const found = new Map<string, unknown>();
  const pending = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(v3Refs)) {
        const name = child.slice(v3Refs.length);
        if (found.has(name) || !Object.hasOwn(definitions, name)) continue;
        const converted = convertSchema(definitions[name]);
        found.set(name, converted);
        pending.push(converted);
      } else {
        pending.push(child); // property names may look like extensions (JSONSchemaProps' x-kubernetes-validations)
      }
    }
  }
  return Object.fromEntries([...found].sort(([a], [b]) => (a < b ? -1 : 1)));
}
