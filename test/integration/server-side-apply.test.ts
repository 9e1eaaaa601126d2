/**
 * Server-side apply with real field ownership, driven by the newest kubectl (`apply
 * --server-side`, `--force-conflicts`, `--show-managed-fields`) and raw apply PATCHes
 * against a real etcd, apiserver and controller-manager: conflicts between two managers
 * answered 409 with upstream's message and causes, forced moves of ownership, a field a
 * manager stops applying removed, Update managers kept apart, apply on status, and the
 * 415 for a strategic merge patch on a custom resource.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiRequest, kubectl, kubectlBinaries, useApiControlPlane, type KubectlResult } from '../harness/index.ts';

// Ports 26000 (etcd) and 26050 (apiserver) belong to this file (range 26000-26099).
const BASE_PORT = 26000;
const NS = 'ssa';
const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments/web`;
const newest = (await kubectlBinaries()).find((b) => b.name === 'kubectl-latest');

interface Entry { manager: string; operation: string; apiVersion: string; time?: string; fieldsType: string; fieldsV1: any; subresource?: string }

function deployment(replicas: number | undefined, labels: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS, labels },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  });
}

describe('server-side apply', { timeout: 600_000, skip: newest ? false : 'no kubectl >= 1.22 on PATH' }, () => {
  const api = useApiControlPlane(BASE_PORT);
  const request = (method: string, path: string, body?: unknown, contentType = 'application/apply-patch+yaml') =>
    apiRequest(api.cluster.admin, method, path, { body: body as string, headers: { 'content-type': contentType } });
  const entries = async (path: string): Promise<Entry[]> => (await apiRequest(api.cluster.admin, 'GET', path)).json.metadata.managedFields ?? [];
  const entry = async (path: string, manager: string, operation = 'Apply'): Promise<Entry | undefined> =>
    (await entries(path)).find((e) => e.manager === manager && e.operation === operation);
  const run = (args: string[], stdin?: string) => kubectl(newest!, args, { kubeconfig: api.cluster.kubeconfigPath, stdin });
  const ok = async (args: string[], stdin?: string): Promise<KubectlResult> => {
    const res = await run(args, stdin);
    assert.equal(res.code, 0, `kubectl ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
    return res;
  };

  before(() => ok(['create', 'namespace', NS]));

  it('kubectl apply --server-side creates and records exactly the applied fields for its manager', async () => {
    assert.match((await ok(['apply', '--server-side', '--field-manager=alice', '-f', '-'], deployment(2, { app: 'web', team: 'a' }))).stdout, /deployment.apps\/web serverside-applied/);
    const alice = await entry(DEPLOY, 'alice');
    assert.ok(alice, 'no Apply entry for alice');
    assert.equal(alice.apiVersion, 'apps/v1');
    assert.equal(alice.fieldsType, 'FieldsV1');
    assert.match(alice.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(alice.fieldsV1['f:spec']['f:replicas'], {});
    assert.deepEqual(alice.fieldsV1['f:metadata']['f:labels'], { 'f:app': {}, 'f:team': {} });
    assert.deepEqual(alice.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}'], { '.': {}, 'f:image': {}, 'f:name': {} });
    // Defaults are nobody's: alice did not apply them.
    assert.equal(alice.fieldsV1['f:spec']['f:progressDeadlineSeconds'], undefined);
  });

  it('a second manager changing spec.replicas gets 409 naming the owner; an equal value is shared', async () => {
    const res = await request('PATCH', `${DEPLOY}?fieldManager=bob`, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } }));
    assert.equal(res.status, 409, res.body);
    assert.equal(res.json.reason, 'Conflict');
    assert.equal(res.json.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    assert.deepEqual(res.json.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' }]);

    const shared = await request('PATCH', `${DEPLOY}?fieldManager=carol`, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } }));
    assert.equal(shared.status, 200, shared.body);
    assert.deepEqual((await entry(DEPLOY, 'carol'))?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
    assert.deepEqual((await entry(DEPLOY, 'alice'))?.fieldsV1['f:spec']['f:replicas'], {});
  });

  it('kubectl apply --server-side fails on the conflict; --force-conflicts moves ownership', async () => {
    const bob = deployment(4, { app: 'web' });
    const refused = await run(['apply', '--server-side', '--field-manager=bob', '-f', '-'], bob);
    assert.notEqual(refused.code, 0, refused.stdout);
    assert.match(refused.stderr, /Apply failed with 2 conflicts: conflicts with "alice":\n- \.spec\.replicas\nconflicts with "carol":\n- \.spec\.replicas/);
    await ok(['apply', '--server-side', '--force-conflicts', '--field-manager=bob', '-f', '-'], bob);
    const obj = (await apiRequest(api.cluster.admin, 'GET', DEPLOY)).json;
    assert.equal(obj.spec.replicas, 4);
    assert.deepEqual((await entry(DEPLOY, 'bob'))?.fieldsV1['f:spec']['f:replicas'], {});
    assert.equal((await entry(DEPLOY, 'alice'))?.fieldsV1['f:spec']['f:replicas'], undefined);
    assert.equal(await entry(DEPLOY, 'carol'), undefined, 'carol owned nothing else: her entry goes');
  });

  it('a field its manager no longer applies is removed unless someone else owns it', async () => {
    await ok(['apply', '--server-side', '--field-manager=alice', '-f', '-'], deployment(undefined, { app: 'web' }));
    const obj = (await apiRequest(api.cluster.admin, 'GET', DEPLOY)).json;
    assert.deepEqual(obj.metadata.labels, { app: 'web' }, 'team was alice\'s alone');
    assert.equal(obj.spec.replicas, 4, 'replicas is bob\'s');
  });

  it('an Update manager keeps its own entry and is named with its apiVersion in conflicts', async () => {
    const current = (await apiRequest(api.cluster.admin, 'GET', DEPLOY)).json;
    current.metadata.labels.tier = 'front';
    const put = await apiRequest(api.cluster.admin, 'PUT', `${DEPLOY}?fieldManager=my-controller`, { body: current });
    assert.equal(put.status, 200, put.body);
    const mine = await entry(DEPLOY, 'my-controller', 'Update');
    assert.deepEqual(mine?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
    assert.ok(await entry(DEPLOY, 'alice'), 'alice keeps her Apply entry');
    const res = await request('PATCH', `${DEPLOY}?fieldManager=alice`, deployment(undefined, { app: 'web', tier: 'back' }));
    assert.equal(res.status, 409, res.body);
    assert.equal(res.json.message, `Apply failed with 1 conflict: conflict with "my-controller" using apps/v1 at ${mine!.time}: .metadata.labels.tier`);

    // The deployment controller writes status through its own endpoint: an entry of its own.
    await waitFor(async () => (await entries(DEPLOY)).some((e) => e.operation === 'Update' && e.subresource === 'status'));
  });

  it('kubectl get --show-managed-fields prints the entries; plain -o yaml hides them', async () => {
    const shown = (await ok(['-n', NS, 'get', 'deployment', 'web', '-o', 'yaml', '--show-managed-fields'])).stdout;
    assert.match(shown, /managedFields:/);
    assert.match(shown, /manager: alice\n\s+operation: Apply/);
    assert.match(shown, /f:replicas: \{\}/);
    assert.doesNotMatch((await ok(['-n', NS, 'get', 'deployment', 'web', '-o', 'yaml'])).stdout, /managedFields/);
  });

  it('apply on the status subresource owns status fields only, by subresource; map lists merge by key', async () => {
    await ok(['-n', NS, 'create', 'service', 'clusterip', 'db', '--tcp=5432:5432']);
    const path = `/api/v1/namespaces/${NS}/services/db/status`;
    const condition = (type: string) => ({ type, status: 'True', reason: 'Checked', message: 'fine', lastTransitionTime: '2026-01-01T00:00:00Z' });
    const apply = (manager: string, type: string) => request('PATCH', `${path}?fieldManager=${manager}`,
      JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { type: 'NodePort' }, status: { conditions: [condition(type)] } }));
    assert.equal((await apply('prober-a', 'A')).status, 200);
    const res = await apply('prober-b', 'B');
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json.status.conditions.map((c: any) => c.type), ['A', 'B']);
    assert.equal(res.json.spec.type, 'ClusterIP', 'the status endpoint does not move spec');
    const a = (await entries(`/api/v1/namespaces/${NS}/services/db`)).find((e) => e.manager === 'prober-a');
    assert.equal(a?.subresource, 'status');
    assert.deepEqual(a?.fieldsV1, { 'f:status': { 'f:conditions': { 'k:{"type":"A"}': { '.': {}, 'f:lastTransitionTime': {}, 'f:message': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } } } });
    // Dropping its condition removes it; the other prober's stays.
    const dropped = await request('PATCH', `${path}?fieldManager=prober-a`, JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, status: {} }));
    assert.deepEqual(dropped.json.status.conditions.map((c: any) => c.type), ['B']);
  });

  it('force is refused on other patches; apply needs no more than a fieldManager', async () => {
    const res = await request('PATCH', `${DEPLOY}?force=true`, JSON.stringify({ metadata: { labels: { x: 'y' } } }), 'application/merge-patch+json');
    assert.equal(res.status, 422, res.body);
    assert.equal(res.json.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });

  it('a strategic merge patch on a custom resource is 415 as upstream', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.ssa.example.com' },
      spec: {
        group: 'ssa.example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: {
          ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
        } } } } } }],
      },
    };
    assert.equal((await apiRequest(api.cluster.admin, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd })).status, 201);
    const widget = `/apis/ssa.example.com/v1/namespaces/${NS}/widgets/w`;
    const body = (manager: string, name: string, port: number) => JSON.stringify({ apiVersion: 'ssa.example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { ports: [{ name, port }] } });
    await waitFor(async () => (await request('PATCH', `${widget}?fieldManager=one`, body('one', 'http', 80))).status === 201);
    // The CRD's list-map-keys merge the two managers' items.
    const two = await request('PATCH', `${widget}?fieldManager=two`, body('two', 'https', 443));
    assert.deepEqual(two.json.spec.ports, [{ name: 'http', port: 80 }, { name: 'https', port: 443 }]);
    const smp = await request('PATCH', widget, JSON.stringify({ spec: { ports: [] } }), 'application/strategic-merge-patch+json');
    assert.equal(smp.status, 415, smp.body);
    assert.equal(smp.json.reason, 'UnsupportedMediaType');
    assert.equal(smp.json.message, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
