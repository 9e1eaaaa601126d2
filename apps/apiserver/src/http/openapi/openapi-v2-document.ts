/**
 * The Swagger 2.0 document served at /openapi/v2: the schema definitions from
 * @skiff/api plus one path per REST endpoint of every resource we serve. kubectl reads
 * the definitions (client-side validation, `explain`, strategic-merge-patch keys) and
 * the PATCH operations' parameters (does the server take `fieldValidation`?).
 */
import { openApiDefinitions, resources, type OpenApiSchema, type ResourceInfo } from '@skiff/api';
import { isCustomResource } from '../../registry/custom-resources/served-resources.ts';
import { customResourceDefinitions, toSwaggerSchema } from './custom-resource-schemas.ts';

export interface OpenApiParameter {
  name: string;
  in: 'query' | 'path' | 'body';
  description?: string;
  required?: boolean;
  type?: string;
  uniqueItems?: boolean;
  schema?: OpenApiSchema;
}

export interface OpenApiOperation {
  description: string;
  operationId: string;
  tags: string[];
  consumes: string[];
  produces: string[];
  schemes: string[];
  parameters: OpenApiParameter[];
  responses: Record<string, { description: string; schema?: OpenApiSchema }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; kind: string; version: string };
}

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

export interface OpenApiPathItem {
  parameters?: OpenApiParameter[];
  get?: OpenApiOperation;
  put?: OpenApiOperation;
  post?: OpenApiOperation;
  delete?: OpenApiOperation;
  patch?: OpenApiOperation;
}

export interface OpenApiV2Document {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, OpenApiPathItem>;
  definitions: Record<string, OpenApiSchema>;
}

const jsonTypes = ['application/json', 'application/yaml'];
const builtinPatchTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
/**
 * Custom resources take no strategic merge patch. kubectl picks its patch type from the
 * PATCH operation's body types (v2 consumes, v3 requestBody), so listing it would make
 * `kubectl apply` send one and fail.
 */
const customPatchTypes = builtinPatchTypes.filter((type) => type !== 'application/strategic-merge-patch+json');
const metaRef = (name: string): OpenApiSchema => ({ $ref: `#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.${name}` });

/**
 * Builds the whole document for `served` (default: the built-in resources). Custom
 * resources' schemas are cut down to what Swagger 2.0 can say unless `customSchemas` is
 * 'v3': the OpenAPI v3 documents are made from this one and keep them whole.
 */
export function buildOpenApiV2Document(served: readonly ResourceInfo[] = resources, customSchemas: 'v2' | 'v3' = 'v2'): OpenApiV2Document {
  const builtin = served.filter((res) => !isCustomResource(res));
  const custom = customResourceDefinitions(served.filter(isCustomResource));
  const definitions: Record<string, OpenApiSchema> = {
    ...openApiDefinitions(builtin.map(({ group, version, kind }) => ({ group, version, kind }))),
    ...(customSchemas === 'v2' ? mapValues(custom, toSwaggerSchema) : custom),
    'io.k8s.apimachinery.pkg.apis.meta.v1.Patch': {
      description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
      type: 'object',
    },
  };
  const refs = indexDefinitionsByGvk(definitions);
  const paths: Record<string, OpenApiPathItem> = {};
  for (const res of served) addResourcePaths(res, refs, paths);
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.30.0' }, paths, definitions };
}

function mapValues<T>(record: Record<string, T>, map: (value: T) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}

/** 'group/version/Kind' → '#/definitions/<name>'. */
function indexDefinitionsByGvk(definitions: Record<string, OpenApiSchema>): Map<string, OpenApiSchema> {
  const refs = new Map<string, OpenApiSchema>();
  for (const [name, schema] of Object.entries(definitions)) {
    const gvks = (schema['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[];
    for (const g of gvks) refs.set(`${g.group}/${g.version}/${g.kind}`, { $ref: `#/definitions/${name}` });
  }
  return refs;
}

function addResourcePaths(res: ResourceInfo, refs: Map<string, OpenApiSchema>, paths: Record<string, OpenApiPathItem>): void {
  const base = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  const collection = res.namespaced ? `${base}/namespaces/{namespace}/${res.resource}` : `${base}/${res.resource}`;
  const item = `${collection}/{name}`;
  const gvk = { group: res.group, kind: res.kind, version: res.version };
  const objectSchema = refs.get(`${res.group}/${res.version}/${res.kind}`) ?? { type: 'object' };
  const listSchema = refs.get(`${res.group}/${res.version}/${res.listKind}`) ?? { type: 'object' };
  const names = operationNames(res);
  const verbs = new Set(res.verbs);
  const op = (o: Omit<OpenApiOperation, 'tags' | 'schemes' | 'x-kubernetes-group-version-kind'>): OpenApiOperation => ({
    ...o,
    tags: [names.tag],
    schemes: ['https'],
    'x-kubernetes-group-version-kind': gvk,
  });

  const collectionItem: OpenApiPathItem = { parameters: pathParameters(res.namespaced, false) };
  if (verbs.has('list')) {
    collectionItem.get = op({
      description: `list or watch objects of kind ${res.kind}`,
      operationId: `list${names.prefix}${names.scope}${res.kind}`,
      consumes: ['*/*'],
      produces: [...jsonTypes, 'application/json;stream=watch'],
      parameters: listParameters(),
      responses: okResponse(listSchema),
      'x-kubernetes-action': 'list',
    });
  }
  if (verbs.has('create')) {
    collectionItem.post = op({
      description: `create ${res.singular}`,
      operationId: `create${names.prefix}${names.scope}${res.kind}`,
      consumes: ['*/*'],
      produces: jsonTypes,
      parameters: [bodyParameter(objectSchema), ...writeParameters()],
      responses: {
        ...okResponse(objectSchema),
        '201': { description: 'Created', schema: objectSchema },
        '202': { description: 'Accepted', schema: objectSchema },
      },
      'x-kubernetes-action': 'post',
    });
  }
  if (verbs.has('deletecollection')) {
    collectionItem.delete = op({
      description: `delete collection of ${res.kind}`,
      operationId: `delete${names.prefix}Collection${names.scope}${res.kind}`,
      consumes: ['*/*'],
      produces: jsonTypes,
      parameters: [bodyParameter(metaRef('DeleteOptions'), false), ...deleteParameters(), ...listParameters()],
      responses: okResponse(metaRef('Status')),
      'x-kubernetes-action': 'deletecollection',
    });
  }
  if (hasOperations(collectionItem)) paths[collection] = collectionItem;

  const itemPath: OpenApiPathItem = { parameters: pathParameters(res.namespaced, true) };
  if (verbs.has('get')) {
    itemPath.get = op({
      description: `read the specified ${res.kind}`,
      operationId: `read${names.prefix}${names.scope}${res.kind}`,
      consumes: ['*/*'],
      produces: jsonTypes,
      parameters: [],
      responses: okResponse(objectSchema),
      'x-kubernetes-action': 'get',
    });
  }
  if (verbs.has('update')) itemPath.put = replaceOperation(op, `replace${names.prefix}${names.scope}${res.kind}`, res.kind, objectSchema);
  const patchTypes = isCustomResource(res) ? customPatchTypes : builtinPatchTypes;
  if (verbs.has('patch')) itemPath.patch = patchOperation(op, `patch${names.prefix}${names.scope}${res.kind}`, res.kind, objectSchema, patchTypes);
  if (verbs.has('delete')) {
    itemPath.delete = op({
      description: `delete ${res.singular}`,
      operationId: `delete${names.prefix}${names.scope}${res.kind}`,
      consumes: ['*/*'],
      produces: jsonTypes,
      parameters: [bodyParameter(metaRef('DeleteOptions'), false), ...deleteParameters()],
      responses: { ...okResponse(objectSchema), '202': { description: 'Accepted', schema: objectSchema } },
      'x-kubernetes-action': 'delete',
    });
  }
  if (hasOperations(itemPath)) paths[item] = itemPath;

  for (const sub of res.subresources) {
    const subSchema = sub === 'scale' ? refs.get('autoscaling/v1/Scale') : sub === 'status' ? objectSchema : undefined;
    if (!subSchema) continue;
    const suffix = sub === 'scale' ? 'Scale' : 'Status';
    const subPath: OpenApiPathItem = { parameters: pathParameters(res.namespaced, true) };
    subPath.get = op({
      description: `read ${sub} of the specified ${res.kind}`,
      operationId: `read${names.prefix}${names.scope}${res.kind}${suffix}`,
      consumes: ['*/*'],
      produces: jsonTypes,
      parameters: [],
      responses: okResponse(subSchema),
      'x-kubernetes-action': 'get',
    });
    subPath.put = replaceOperation(op, `replace${names.prefix}${names.scope}${res.kind}${suffix}`, res.kind, subSchema);
    subPath.patch = patchOperation(op, `patch${names.prefix}${names.scope}${res.kind}${suffix}`, res.kind, subSchema, patchTypes);
    paths[`${item}/${sub}`] = subPath;
  }

  if (res.namespaced && verbs.has('list')) {
    paths[`${base}/${res.resource}`] = {
      get: op({
        description: `list or watch objects of kind ${res.kind} in all namespaces`,
        operationId: `list${names.prefix}${res.kind}ForAllNamespaces`,
        consumes: ['*/*'],
        produces: [...jsonTypes, 'application/json;stream=watch'],
        parameters: listParameters(),
        responses: okResponse(listSchema),
        'x-kubernetes-action': 'list',
      }),
    };
  }
}

type OperationFactory = (o: Omit<OpenApiOperation, 'tags' | 'schemes' | 'x-kubernetes-group-version-kind'>) => OpenApiOperation;

function replaceOperation(op: OperationFactory, operationId: string, kind: string, schema: OpenApiSchema): OpenApiOperation {
  return op({
    description: `replace the specified ${kind}`,
    operationId,
    consumes: ['*/*'],
    produces: jsonTypes,
    parameters: [bodyParameter(schema), ...writeParameters()],
    responses: { ...okResponse(schema), '201': { description: 'Created', schema } },
    'x-kubernetes-action': 'put',
  });
}

function patchOperation(op: OperationFactory, operationId: string, kind: string, schema: OpenApiSchema, patchTypes: string[]): OpenApiOperation {
  return op({
    description: `partially update the specified ${kind}`,
    operationId,
    consumes: patchTypes,
    produces: jsonTypes,
    parameters: [
      bodyParameter(metaRef('Patch')),
      ...writeParameters(),
      query('force', 'boolean', 'Force is going to "force" Apply requests. It must be unset for non-apply patch requests.'),
    ],
    responses: { ...okResponse(schema), '201': { description: 'Created', schema } },
    'x-kubernetes-action': 'patch',
  });
}

/** 'apps' → Apps + AppsV1; 'rbac.authorization.k8s.io' → RbacAuthorizationV1; core → CoreV1. */
function operationNames(res: ResourceInfo): { prefix: string; tag: string; scope: string } {
  const words = res.group === '' ? ['core'] : res.group.replace(/\.k8s\.io$/, '').split('.');
  const groupName = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  const version = res.version.charAt(0).toUpperCase() + res.version.slice(1);
  const tag = `${groupName.charAt(0).toLowerCase()}${groupName.slice(1)}_${res.version}`;
  return { prefix: `${groupName}${version}`, tag, scope: res.namespaced ? 'Namespaced' : '' };
}

function pathParameters(namespaced: boolean, named: boolean): OpenApiParameter[] {
  const params: OpenApiParameter[] = [];
  if (named) params.push({ name: 'name', in: 'path', required: true, type: 'string', uniqueItems: true, description: 'name of the object' });
  if (namespaced) {
    params.push({
      name: 'namespace',
      in: 'path',
      required: true,
      type: 'string',
      uniqueItems: true,
      description: 'object name and auth scope, such as for teams and projects',
    });
  }
  params.push(query('pretty', 'string', "If 'true', then the output is pretty printed."));
  return params;
}

function writeParameters(): OpenApiParameter[] {
  return [
    query('dryRun', 'string', 'When present, indicates that modifications should not be persisted. The only valid value is All.'),
    query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
    query(
      'fieldValidation',
      'string',
      'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn (the default) and Strict.',
    ),
  ];
}

function listParameters(): OpenApiParameter[] {
  return [
    query('allowWatchBookmarks', 'boolean', 'requests watch events with type "BOOKMARK".'),
    query('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
    query('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields.'),
    query('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels.'),
    query('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
    query('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
    query('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
    query('sendInitialEvents', 'boolean', 'sendInitialEvents=true may be set together with watch=true.'),
    query('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
    query('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  ];
}

function deleteParameters(): OpenApiParameter[] {
  return [
    query('dryRun', 'string', 'When present, indicates that modifications should not be persisted.'),
    query('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
    query('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy.'),
    query('propagationPolicy', 'string', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
  ];
}

function query(name: string, type: string, description: string): OpenApiParameter {
  return { name, in: 'query', type, uniqueItems: true, description };
}

function bodyParameter(schema: OpenApiSchema, required = true): OpenApiParameter {
  return { name: 'body', in: 'body', required, schema };
}

function okResponse(schema: OpenApiSchema): OpenApiOperation['responses'] {
  return { '200': { description: 'OK', schema }, '401': { description: 'Unauthorized' } };
}

function hasOperations(item: OpenApiPathItem): boolean {
  return Boolean(item.get || item.put || item.post || item.delete || item.patch);
}
