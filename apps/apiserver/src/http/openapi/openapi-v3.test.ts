import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { resources, type ResourceInfo } from '@skiff/api';
import { buildOpenApiV2Document, buildOpenApiV3Documents, openApiRouter } from './index.ts';
import { listenInRange } from './listen-in-range.ts';
import { ServedResources, type CustomResourceInfo } from '../../registry/custom-resources/served-resources.ts';

type Json = Record<string, any>;

const cronTabSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      description: 'What the cron tab runs.',
      properties: {
        cronSpec: { type: 'string', description: 'When, in cron syntax.' },
        image: { type: 'string', nullable: true },
        replicas: { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
      },
    },
  },
};

function cronTab(version = 'v1'): CustomResourceInfo {
  const base: ResourceInfo = {
    group: 'stable.example.com',
    version,
    kind: 'CronTab',
    listKind: 'CronTabList',
    resource: 'crontabs',
    singular: 'crontab',
    namespaced: true,
    shortNames: ['ct'],
    categories: [],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [],
  };
  return {
    ...base,
    custom: {
      crdName: 'crontabs.stable.example.com',
      crd: {} as CustomResourceInfo['custom']['crd'],
      storageVersion: 'v1',
      servedVersions: ['v1'],
      schema: cronTabSchema,
      preserveUnknownFields: false,
      status: false,
      printerColumns: [],
      conversion: { strategy: 'None' },
    },
  };
}

test('v3 documents: one per group-version, v3 refs that resolve, patch extensions kept, PATCH takes fieldValidation', () => {
  const docs = buildOpenApiV3Documents(buildOpenApiV2Document());
  assert.ok(docs.has('api/v1') && docs.has('apis/apps/v1') && docs.has('apis/rbac.authorization.k8s.io/v1'));
  const apps = docs.get('apis/apps/v1')!;
  assert.equal(apps.openapi, '3.0.0');
  assert.ok(Object.keys(apps.paths).every((path) => path.startsWith('/apis/apps/v1/')));
  const deployment = apps.components.schemas['io.k8s.api.apps.v1.Deployment'] as Json;
  assert.deepEqual(deployment['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.deepEqual(deployment.properties.metadata, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
  const podSpec = apps.components.schemas['io.k8s.api.core.v1.PodSpec'] as Json;
  assert.equal(podSpec.properties.containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(apps.components.schemas['io.k8s.api.core.v1.Service'], undefined, 'only what apps/v1 paths reach');

  const patch = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch as Json;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  assert.deepEqual(patch.parameters.find((p: Json) => p.name === 'fieldValidation').schema, { type: 'string', uniqueItems: true });
  assert.ok(patch.requestBody.content['application/strategic-merge-patch+json'].schema);
  assert.equal(patch.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/io.k8s.api.apps.v1.Deployment');

  for (const [prefix, doc] of docs) {
    const dangling: string[] = [];
    JSON.stringify(doc, (key, value) => {
      if (key === '$ref' && typeof value === 'string' && !doc.components.schemas[value.replace('#/components/schemas/', '')]) dangling.push(value);
      return value;
    });
    assert.deepEqual(dangling, [], prefix);
  }
});

test('a custom resource: its schema under metadata/apiVersion/kind, whole in v3, cut to Swagger 2.0 in v2', () => {
  const served = [...resources, cronTab()];
  const v3 = buildOpenApiV3Documents(buildOpenApiV2Document(served, 'v3')).get('apis/stable.example.com/v1')!;
  const schema = v3.components.schemas['com.example.stable.v1.CronTab'] as Json;
  assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'stable.example.com', kind: 'CronTab', version: 'v1' }]);
  // A $ref with a description beside it: OpenAPI 3.0 would ignore the description, so it goes through allOf.
  assert.deepEqual(schema.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  assert.match(schema.properties.metadata.description, /Standard object's metadata/);
  assert.equal(schema.properties.spec.properties.image.nullable, true);
  assert.ok(schema.properties.spec.properties.replicas.anyOf);
  assert.ok(v3.components.schemas['com.example.stable.v1.CronTabList']);
  const patch = v3.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'].patch as Json;
  assert.deepEqual(
    Object.keys(patch.requestBody.content).sort(),
    ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'],
    'no strategic merge patch for custom resources: kubectl apply reads this to pick its patch type',
  );
  assert.ok(v3.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);

  const v2 = buildOpenApiV2Document(served).definitions['com.example.stable.v1.CronTab'] as Json;
  assert.deepEqual(v2.properties.spec.properties.image, {});
  assert.deepEqual(v2.properties.spec.properties.replicas, { 'x-kubernetes-int-or-string': true });
  assert.equal(v2.properties.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  assert.equal(cronTabSchema.properties.spec.properties.image.nullable, true, "the CRD's own schema is left alone");
});

test('the router: v3 index with hashed URLs, 304, immutable when hashed, 301 from an old hash, and a CRD appearing', async (t) => {
  const served = new ServedResources();
  const app = express();
  app.use(openApiRouter(served));
  const server = await listenInRange(app, 25980, 25989);
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const index = (await (await fetch(`${base}/openapi/v3`)).json()) as Json;
  const url: string = index.paths['api/v1'].serverRelativeURL;
  assert.match(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{64}$/);
  assert.equal(index.paths['apis/stable.example.com/v1'], undefined);

  const hashed = await fetch(`${base}${url}`);
  assert.equal(hashed.status, 200);
  assert.equal(hashed.headers.get('cache-control'), 'public, immutable');
  assert.ok(((await hashed.json()) as Json).components.schemas['io.k8s.api.core.v1.Pod']);
  const plain = await fetch(`${base}/openapi/v3/api/v1`);
  assert.equal(plain.headers.get('cache-control'), 'no-cache, private');
  assert.equal((await fetch(`${base}/openapi/v3/api/v1`, { headers: { 'if-none-match': plain.headers.get('etag')! } })).status, 304);
  assert.equal((await fetch(`${base}/openapi/v3/apis/nothing.example.com/v1`)).status, 404);
  assert.equal((await fetch(`${base}/openapi/v3/api/v1`, { headers: { accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' } })).status, 406);

  served.set('crontabs.stable.example.com', [cronTab()]);
  const after = (await (await fetch(`${base}/openapi/v3`)).json()) as Json;
  const crdUrl: string = after.paths['apis/stable.example.com/v1'].serverRelativeURL;
  const crdDoc = (await (await fetch(`${base}${crdUrl}`)).json()) as Json;
  assert.ok(crdDoc.components.schemas['com.example.stable.v1.CronTab']);
  const moved = await fetch(`${base}/openapi/v3/apis/stable.example.com/v1?hash=0BSOLETE`, { redirect: 'manual' });
  assert.equal(moved.status, 301);
  assert.equal(moved.headers.get('location'), crdUrl);
  const v2 = (await (await fetch(`${base}/openapi/v2`)).json()) as Json;
  assert.ok(v2.definitions['com.example.stable.v1.CronTab']);
});
