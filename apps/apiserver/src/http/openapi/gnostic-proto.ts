/**
 * The protobuf form of /openapi/v2: gnostic's `openapi.v2.Document` message, which
 * kubectl (client-go's discovery) asks for with
 * `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`.
 *
 * The message types below are a transcription of the schema facts (field numbers and
 * types) of gnostic's openapiv2/OpenAPIv2.proto, limited to the messages and fields we
 * emit. Field names are ours (camelCase); only numbers and types reach the wire.
 * Values that gnostic keeps as `Any` (vendor extensions, defaults) travel in its `yaml`
 * string field; JSON is valid YAML, so we write JSON there.
 */
import protobuf from 'protobufjs';

type Fields = Record<string, { id: number; type: string; rule?: 'repeated' }>;
type OneOfs = Record<string, { oneof: string[] }>;

const str = (id: number) => ({ id, type: 'string' });
const bool = (id: number) => ({ id, type: 'bool' });
const msg = (id: number, type: string) => ({ id, type });
const many = (id: number, type: string) => ({ id, type, rule: 'repeated' as const });
const oneof = (name: string, fields: string[]): OneOfs => ({ [name]: { oneof: fields } });
const message = (fields: Fields, oneofs?: OneOfs) => (oneofs ? { fields, oneofs } : { fields });

const gnosticTypes = {
  Document: message({
    swagger: str(1),
    info: msg(2, 'Info'),
    host: str(3),
    basePath: str(4),
    schemes: many(5, 'string'),
    consumes: many(6, 'string'),
    produces: many(7, 'string'),
    paths: msg(8, 'Paths'),
    definitions: msg(9, 'Definitions'),
    vendorExtension: many(16, 'NamedAny'),
  }),
  Info: message({ title: str(1), version: str(2), description: str(3), vendorExtension: many(7, 'NamedAny') }),
  Paths: message({ vendorExtension: many(1, 'NamedAny'), path: many(2, 'NamedPathItem') }),
  NamedPathItem: message({ name: str(1), value: msg(2, 'PathItem') }),
  PathItem: message({
    ref: str(1),
    get: msg(2, 'Operation'),
    put: msg(3, 'Operation'),
    post: msg(4, 'Operation'),
    delete: msg(5, 'Operation'),
    options: msg(6, 'Operation'),
    head: msg(7, 'Operation'),
    patch: msg(8, 'Operation'),
    parameters: many(9, 'ParametersItem'),
    vendorExtension: many(10, 'NamedAny'),
  }),
  Operation: message({
    tags: many(1, 'string'),
    summary: str(2),
    description: str(3),
    operationId: str(5),
    produces: many(6, 'string'),
    consumes: many(7, 'string'),
    parameters: many(8, 'ParametersItem'),
    responses: msg(9, 'Responses'),
    schemes: many(10, 'string'),
    deprecated: bool(11),
    vendorExtension: many(13, 'NamedAny'),
  }),
  ParametersItem: message({ parameter: msg(1, 'Parameter'), jsonReference: msg(2, 'JsonReference') }, oneof('oneof', ['parameter', 'jsonReference'])),
  JsonReference: message({ ref: str(1), description: str(2) }),
  Parameter: message(
    { bodyParameter: msg(1, 'BodyParameter'), nonBodyParameter: msg(2, 'NonBodyParameter') },
    oneof('oneof', ['bodyParameter', 'nonBodyParameter']),
  ),
  BodyParameter: message({
    description: str(1),
    name: str(2),
    in: str(3),
    required: bool(4),
    schema: msg(5, 'Schema'),
    vendorExtension: many(6, 'NamedAny'),
  }),
  NonBodyParameter: message(
    { queryParameterSubSchema: msg(3, 'QueryParameterSubSchema'), pathParameterSubSchema: msg(4, 'PathParameterSubSchema') },
    oneof('oneof', ['queryParameterSubSchema', 'pathParameterSubSchema']),
  ),
  QueryParameterSubSchema: message({
    required: bool(1),
    in: str(2),
    description: str(3),
    name: str(4),
    allowEmptyValue: bool(5),
    type: str(6),
    format: str(7),
    collectionFormat: str(9),
    uniqueItems: bool(20),
    vendorExtension: many(23, 'NamedAny'),
  }),
  PathParameterSubSchema: message({
    required: bool(1),
    in: str(2),
    description: str(3),
    name: str(4),
    type: str(5),
    format: str(6),
    collectionFormat: str(8),
    uniqueItems: bool(19),
    vendorExtension: many(22, 'NamedAny'),
  }),
  Responses: message({ responseCode: many(1, 'NamedResponseValue'), vendorExtension: many(2, 'NamedAny') }),
  NamedResponseValue: message({ name: str(1), value: msg(2, 'ResponseValue') }),
  ResponseValue: message({ response: msg(1, 'Response'), jsonReference: msg(2, 'JsonReference') }, oneof('oneof', ['response', 'jsonReference'])),
  Response: message({ description: str(1), schema: msg(2, 'SchemaItem'), vendorExtension: many(5, 'NamedAny') }),
  SchemaItem: message({ schema: msg(1, 'Schema') }, oneof('oneof', ['schema'])),
  Definitions: message({ additionalProperties: many(1, 'NamedSchema') }),
  NamedSchema: message({ name: str(1), value: msg(2, 'Schema') }),
  Properties: message({ additionalProperties: many(1, 'NamedSchema') }),
  Schema: message({
    ref: str(1),
    format: str(2),
    title: str(3),
    description: str(4),
    default: msg(5, 'Any'),
    required: many(19, 'string'),
    enum: many(20, 'Any'),
    additionalProperties: msg(21, 'AdditionalPropertiesItem'),
    type: msg(22, 'TypeItem'),
    items: msg(23, 'ItemsItem'),
    allOf: many(24, 'Schema'),
    properties: msg(25, 'Properties'),
    readOnly: bool(27),
    vendorExtension: many(31, 'NamedAny'),
  }),
  AdditionalPropertiesItem: message({ schema: msg(1, 'Schema'), boolean: bool(2) }, oneof('oneof', ['schema', 'boolean'])),
  TypeItem: message({ value: many(1, 'string') }),
  ItemsItem: message({ schema: many(1, 'Schema') }),
  NamedAny: message({ name: str(1), value: msg(2, 'Any') }),
  Any: message({ yaml: str(2) }),
};

let documentType: protobuf.Type | undefined;

/** The `openapi.v2.Document` type, built once from the transcription above. */
export function gnosticDocumentType(): protobuf.Type {
  if (!documentType) {
    const root = protobuf.Root.fromJSON({ nested: { openapi: { nested: { v2: { nested: gnosticTypes } } } } });
    documentType = root.lookupType('openapi.v2.Document');
  }
  return documentType;
}

type Json = Record<string, unknown>;

/** Encodes a Swagger 2.0 JSON document as gnostic's protobuf `openapi.v2.Document`. */
export function encodeGnosticDocument(doc: Json): Uint8Array {
  const type = gnosticDocumentType();
  const message = type.fromObject(toDocument(doc));
  return type.encode(message).finish();
}

function toDocument(doc: Json): Json {
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  const definitions = (doc.definitions ?? {}) as Record<string, Json>;
  return {
    swagger: doc.swagger,
    info: doc.info,
    paths: { path: Object.entries(paths).map(([name, item]) => ({ name, value: toPathItem(item) })) },
    definitions: { additionalProperties: Object.entries(definitions).map(([name, schema]) => ({ name, value: toSchema(schema) })) },
    vendorExtension: toExtensions(doc),
  };
}

function toPathItem(item: Json): Json {
  const out: Json = { vendorExtension: toExtensions(item) };
  if (item.parameters) out.parameters = (item.parameters as Json[]).map(toParameter);
  for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch']) {
    if (item[method]) out[method] = toOperation(item[method] as Json);
  }
  return out;
}

function toOperation(op: Json): Json {
  const responses = (op.responses ?? {}) as Record<string, Json>;
  return {
    ...pick(op, ['tags', 'summary', 'description', 'operationId', 'produces', 'consumes', 'schemes', 'deprecated']),
    parameters: ((op.parameters ?? []) as Json[]).map(toParameter),
    responses: {
      responseCode: Object.entries(responses).map(([code, response]) => ({
        name: code,
        value: {
          response: {
            description: response.description ?? '',
            ...(response.schema ? { schema: { schema: toSchema(response.schema as Json) } } : {}),
          },
        },
      })),
    },
    vendorExtension: toExtensions(op),
  };
}

function toParameter(param: Json): Json {
  if (typeof param.$ref === 'string') return { jsonReference: { ref: param.$ref } };
  if (param.in === 'body') {
    return { parameter: { bodyParameter: { ...pick(param, ['description', 'name', 'in', 'required']), schema: toSchema((param.schema ?? {}) as Json) } } };
  }
  const sub = pick(param, ['required', 'in', 'description', 'name', 'type', 'format', 'uniqueItems']);
  const nonBody = param.in === 'path' ? { pathParameterSubSchema: sub } : { queryParameterSubSchema: sub };
  return { parameter: { nonBodyParameter: nonBody } };
}

function toSchema(schema: Json): Json {
  const out: Json = pick(schema, ['format', 'title', 'description', 'required', 'readOnly']);
  if (typeof schema.$ref === 'string') out.ref = schema.$ref;
  if (typeof schema.type === 'string') out.type = { value: [schema.type] };
  if (Array.isArray(schema.type)) out.type = { value: schema.type };
  if (schema.items) out.items = { schema: [toSchema(schema.items as Json)] };
  if (schema.properties) {
    const properties = schema.properties as Record<string, Json>;
    out.properties = { additionalProperties: Object.entries(properties).map(([name, value]) => ({ name, value: toSchema(value) })) };
  }
  if (typeof schema.additionalProperties === 'boolean') out.additionalProperties = { boolean: schema.additionalProperties };
  else if (schema.additionalProperties) out.additionalProperties = { schema: toSchema(schema.additionalProperties as Json) };
  if (schema.allOf) out.allOf = (schema.allOf as Json[]).map(toSchema);
  if (schema.default !== undefined) out.default = { yaml: JSON.stringify(schema.default) };
  if (Array.isArray(schema.enum)) out.enum = schema.enum.map((value) => ({ yaml: JSON.stringify(value) }));
  out.vendorExtension = toExtensions(schema);
  return out;
}

/** `x-…` keys as gnostic NamedAny entries, values as JSON (= YAML) text. */
function toExtensions(obj: Json): Json[] {
  return Object.entries(obj)
    .filter(([key]) => key.startsWith('x-'))
    .map(([name, value]) => ({ name, value: { yaml: JSON.stringify(value) } }));
}

function pick(obj: Json, keys: string[]): Json {
  const out: Json = {};
  for (const key of keys) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}
