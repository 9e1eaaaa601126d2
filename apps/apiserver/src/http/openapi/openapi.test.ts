import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import protobuf from 'protobufjs';
import { buildOpenApiV2Document, encodeGnosticDocument, negotiate, openApiRouter } from './index.ts';
import { listenInRange } from './listen-in-range.ts';

/**
 * An independent transcription, as .proto text, of the gnostic openapi.v2 messages the
 * test reads back (field numbers from gnostic's openapiv2/OpenAPIv2.proto). The encoder
 * builds its types from a JSON descriptor instead; decoding one with the other catches a
 * wrong number or type on either side.
 */
const gnosticProto = `
syntax = "proto3";
package openapi.v2;
message Document { string swagger = 1; Info info = 2; Paths paths = 8; Definitions definitions = 9; }
message Info { string title = 1; string version = 2; }
message Paths { repeated NamedPathItem path = 2; }
message NamedPathItem { string name = 1; PathItem value = 2; }
message PathItem { Operation get = 2; Operation put = 3; Operation post = 4; Operation delete = 5; Operation patch = 8;
  repeated ParametersItem parameters = 9; }
message Operation { repeated string tags = 1; string operation_id = 5; repeated string consumes = 7;
  repeated ParametersItem parameters = 8; Responses responses = 9; repeated NamedAny vendor_extension = 13; }
message ParametersItem { oneof oneof { Parameter parameter = 1; JsonReference json_reference = 2; } }
message JsonReference { string _ref = 1; }
message Parameter { oneof oneof { BodyParameter body_parameter = 1; NonBodyParameter non_body_parameter = 2; } }
message BodyParameter { string name = 2; string in = 3; bool required = 4; Schema schema = 5; }
message NonBodyParameter { oneof oneof { QueryParameterSubSchema query_parameter_sub_schema = 3;
  PathParameterSubSchema path_parameter_sub_schema = 4; } }
message QueryParameterSubSchema { bool required = 1; string in = 2; string name = 4; string type = 6; }
message PathParameterSubSchema { bool required = 1; string in = 2; string name = 4; string type = 5; }
message Responses { repeated NamedResponseValue response_code = 1; }
message NamedResponseValue { string name = 1; ResponseValue value = 2; }
message ResponseValue { oneof oneof { Response response = 1; JsonReference json_reference = 2; } }
message Response { string description = 1; SchemaItem schema = 2; }
message SchemaItem { oneof oneof { Schema schema = 1; } }
message Definitions { repeated NamedSchema additional_properties = 1; }
message NamedSchema { string name = 1; Schema value = 2; }
message Schema { string _ref = 1; string format = 2; string description = 4; repeated string required = 19;
  AdditionalPropertiesItem additional_properties = 21; TypeItem type = 22; ItemsItem items = 23;
  Properties properties = 25; repeated NamedAny vendor_extension = 31; }
message AdditionalPropertiesItem { oneof oneof { Schema schema = 1; bool boolean = 2; } }
message Properties { repeated NamedSchema additional_properties = 1; }
message TypeItem { repeated string value = 1; }
message ItemsItem { repeated Schema schema = 1; }
message NamedAny { string name = 1; Any value = 2; }
message Any { string yaml = 2; }
`;

// Decoded with keepCase, so fields read as written in the .proto text above.
type Decoded = Record<string, any>;

function decodeDocument(bytes: Uint8Array): Decoded {
  const type = protobuf.parse(gnosticProto, { keepCase: true }).root.lookupType('openapi.v2.Document');
  return type.toObject(type.decode(bytes), { defaults: false }) as Decoded;
}

function extension(vendorExtensions: Decoded[] | undefined, name: string): unknown {
  const found = vendorExtensions?.find((e) => e.name === name);
  return found ? JSON.parse(found.value.yaml) : undefined;
}

test('the v2 document defines Pod, Deployment and Service with their GVKs, and every $ref resolves', () => {
  const doc = buildOpenApiV2Document();
  assert.equal(doc.swagger, '2.0');
  assert.deepEqual(doc.definitions['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
  assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.deepEqual(doc.definitions['io.k8s.api.core.v1.Service']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Service', version: 'v1' }]);

  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch!;
  assert.equal(patch.operationId, 'patchAppsV1NamespacedDeployment');
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  assert.ok(patch.parameters.some((p) => p.in === 'query' && p.name === 'fieldValidation'));
  assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
  const create = doc.paths['/api/v1/namespaces/{namespace}/pods'].post!;
  assert.ok(create.parameters.some((p) => p.in === 'query' && p.name === 'fieldValidation'));
  assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/status'].put?.operationId, 'replaceCoreV1NamespacedPodStatus');
  assert.equal(
    doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].get?.responses['200'].schema?.$ref,
    '#/definitions/io.k8s.api.autoscaling.v1.Scale',
  );
  assert.ok(doc.paths['/api/v1/nodes/{name}'], 'cluster-scoped paths have no namespace');
  assert.equal(doc.paths['/api/v1/namespaces/{namespace}/bindings'].get, undefined, 'bindings are create-only');

  const dangling: string[] = [];
  JSON.stringify(doc, (key, value) => {
    // JSONSchemaProps (CRDs) has a property named $ref: only string values are references.
    if (key === '$ref' && typeof value === 'string' && !doc.definitions[String(value).replace('#/definitions/', '')]) dangling.push(value);
    return value;
  });
  assert.deepEqual(dangling, []);
});

test('the RBAC kinds have definitions (kubectl explain role.rules) and paths, roles namespaced and clusterroles not', () => {
  const doc = buildOpenApiV2Document();
  for (const kind of ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']) {
    assert.deepEqual(doc.definitions[`io.k8s.api.rbac.v1.${kind}`]?.['x-kubernetes-group-version-kind'], [
      { group: 'rbac.authorization.k8s.io', kind, version: 'v1' },
    ]);
  }
  const rule = doc.definitions['io.k8s.api.rbac.v1.PolicyRule']!;
  assert.deepEqual(rule.required, ['verbs']);
  assert.ok((rule.properties as Record<string, unknown>).nonResourceURLs);
  assert.ok((doc.definitions['io.k8s.api.rbac.v1.ClusterRole']!.properties as Record<string, unknown>).aggregationRule);
  assert.equal(doc.paths['/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles'].post?.operationId, 'createRbacAuthorizationV1NamespacedRole');
  assert.equal(doc.paths['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{name}'].put?.operationId, 'replaceRbacAuthorizationV1ClusterRoleBinding');
});

test('the protobuf encoding decodes as gnostic openapi.v2.Document', () => {
  const doc = buildOpenApiV2Document();
  const decoded = decodeDocument(encodeGnosticDocument(doc as unknown as Record<string, unknown>));
  assert.equal(decoded.swagger, '2.0');
  assert.equal(decoded.info.title, 'Kubernetes');

  const definitions = new Map<string, Decoded>(decoded.definitions.additional_properties.map((d: Decoded) => [d.name, d.value]));
  assert.equal(definitions.size, Object.keys(doc.definitions).length);
  const pod = definitions.get('io.k8s.api.core.v1.Pod')!;
  assert.deepEqual(pod.type.value, ['object']);
  assert.deepEqual(extension(pod.vendor_extension, 'x-kubernetes-group-version-kind'), [{ group: '', kind: 'Pod', version: 'v1' }]);
  const podProps = new Map<string, Decoded>(pod.properties.additional_properties.map((p: Decoded) => [p.name, p.value]));
  assert.equal(podProps.get('spec')!._ref, '#/definitions/io.k8s.api.core.v1.PodSpec');

  const container = definitions.get('io.k8s.api.core.v1.Container')!;
  assert.deepEqual(container.required, ['name']);
  const ports = container.properties.additional_properties.find((p: Decoded) => p.name === 'ports').value;
  assert.deepEqual(ports.type.value, ['array']);
  assert.equal(ports.items.schema.length, 1);
  assert.equal(ports.items.schema[0]._ref, '#/definitions/io.k8s.api.core.v1.ContainerPort');
  assert.equal(extension(ports.vendor_extension, 'x-kubernetes-patch-merge-key'), 'containerPort');
  assert.equal(extension(ports.vendor_extension, 'x-kubernetes-patch-strategy'), 'merge');
  const meta = definitions.get('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')!;
  const labels = meta.properties.additional_properties.find((p: Decoded) => p.name === 'labels').value;
  assert.deepEqual(labels.additional_properties.schema.type.value, ['string']);

  const podItem = decoded.paths.path.find((p: Decoded) => p.name === '/api/v1/namespaces/{namespace}/pods/{name}').value;
  assert.deepEqual(extension(podItem.patch.vendor_extension, 'x-kubernetes-group-version-kind'), { group: '', kind: 'Pod', version: 'v1' });
  assert.equal(extension(podItem.patch.vendor_extension, 'x-kubernetes-action'), 'patch');
  const queryNames = podItem.patch.parameters.map((p: Decoded) => p.parameter?.non_body_parameter?.query_parameter_sub_schema?.name).filter(Boolean);
  assert.ok(queryNames.includes('fieldValidation'));
  const body = podItem.patch.parameters.find((p: Decoded) => p.parameter?.body_parameter).parameter.body_parameter;
  assert.equal(body.in, 'body');
  assert.equal(body.schema._ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  const pathParams = podItem.parameters.map((p: Decoded) => p.parameter?.non_body_parameter?.path_parameter_sub_schema?.name).filter(Boolean);
  assert.deepEqual(pathParams, ['name', 'namespace']);
  const ok = podItem.get.responses.response_code.find((r: Decoded) => r.name === '200');
  assert.equal(ok.value.response.schema.schema._ref, '#/definitions/io.k8s.api.core.v1.Pod');
});

test('Accept negotiation follows quality and order', () => {
  assert.equal(negotiate(undefined), 'json');
  assert.equal(negotiate('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'), 'protobuf');
  assert.equal(negotiate('application/com.github.proto-openapi.spec.v2.v1.0+protobuf, application/json'), 'protobuf');
  assert.equal(negotiate('application/json, application/com.github.proto-openapi.spec.v2@v1.0+protobuf'), 'json');
  assert.equal(negotiate('application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf;q=0.9'), 'protobuf');
  assert.equal(negotiate('*/*'), 'json');
  assert.equal(negotiate('text/html'), undefined);
});

test('the router serves v2 as JSON and protobuf, 304 on a matching ETag, and 406', async (t) => {
  const app = express();
  app.use(openApiRouter());
  const server = await listenInRange(app, 25990, 25999);
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const json = await fetch(`${base}/openapi/v2`, { headers: { accept: 'application/json' } });
  assert.equal(json.status, 200);
  assert.match(json.headers.get('content-type')!, /^application\/json/);
  const parsed = (await json.json()) as Decoded;
  assert.ok(parsed.definitions['io.k8s.api.core.v1.Pod']);

  const proto = await fetch(`${base}/openapi/v2`, { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
  assert.equal(proto.status, 200);
  // The dotted form: client-go's mime parser rejects '@'.
  assert.equal(proto.headers.get('content-type'), 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  // fetch asks for gzip and unzips transparently, as Go's transport does for kubectl.
  assert.equal(proto.headers.get('content-encoding'), 'gzip');
  const decoded = decodeDocument(new Uint8Array(await proto.arrayBuffer()));
  assert.equal(decoded.swagger, '2.0');
  const etag = proto.headers.get('etag')!;
  assert.ok(etag);

  const cached = await fetch(`${base}/openapi/v2`, {
    headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'if-none-match': etag },
  });
  assert.equal(cached.status, 304);

  const refused = await fetch(`${base}/openapi/v2`, { headers: { accept: 'text/html' } });
  assert.equal(refused.status, 406);
  assert.equal(((await refused.json()) as Decoded).reason, 'NotAcceptable');
});
