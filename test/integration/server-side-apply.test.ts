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

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: any;
  subresource?: string;
}

function deployment(replicas: number | undefined, labels: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS, labels },
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
    assert.match(
      (await ok(['apply', '--server-side', '--field-manager=alice', '-f', '-'], deployment(2, { app: 'web', team: 'a' }))).stdout,
      /deployment.apps\/web serverside-applied/,
    );
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
    const res = await request(
      'PATCH',
      `${DEPLOY}?fieldManager=bob`,
      JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } }),
    );
    assert.equal(res.status, 409, res.body);
    assert.equal(res.json.reason, 'Conflict');
    assert.equal(res.json.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    assert.deepEqual(res.json.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' }]);

    const shared = await request(
      'PATCH',
      `${DEPLOY}?fieldManager=carol`,
      JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } }),
    );
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
    assert.deepEqual(obj.metadata.labels, { app: 'web' }, "team was alice's alone");
    assert.equal(obj.spec.replicas, 4, "replicas is bob's");
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
    const apply = (manager: string, type: string) =>
      request(
        'PATCH',
        `${path}?fieldManager=${manager}`,
        JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { type: 'NodePort' }, status: { conditions: [condition(type)] } }),
      );
    assert.equal((await apply('prober-a', 'A')).status, 200);
    const res = await apply('prober-b', 'B');
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(
      res.json.status.conditions.map((c: any) => c.type),
      ['A', 'B'],
    );
    assert.equal(res.json.spec.type, 'ClusterIP', 'the status endpoint does not move spec');
    const a = (await entries(`/api/v1/namespaces/${NS}/services/db`)).find((e) => e.manager === 'prober-a');
    assert.equal(a?.subresource, 'status');
    assert.deepEqual(a?.fieldsV1, {
      'f:status': {
        'f:conditions': { 'k:{"type":"A"}': { '.': {}, 'f:lastTransitionTime': {}, 'f:message': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } },
      },
    });
    // Dropping its condition removes it; the other prober's stays.
    const dropped = await request(
      'PATCH',
      `${path}?fieldManager=prober-a`,
      JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, status: {} }),
    );
    assert.deepEqual(
      dropped.json.status.conditions.map((c: any) => c.type),
      ['B'],
    );
  });

  it('container ports are keyed by containerPort and protocol (TCP when omitted), as upstream', async () => {
    const dns = (ports: unknown[]) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'dns', namespace: NS },
        spec: {
          selector: { matchLabels: { app: 'dns' } },
          template: { metadata: { labels: { app: 'dns' } }, spec: { containers: [{ name: 'dns', image: 'coredns:1.11', ports }] } },
        },
      });
    await ok(
      ['apply', '--server-side', '--field-manager=dns-owner', '-f', '-'],
      dns([
        { containerPort: 53, name: 'dns-tcp' },
        { containerPort: 53, protocol: 'UDP', name: 'dns' },
      ]),
    );
    const path = `/apis/apps/v1/namespaces/${NS}/deployments/dns`;
    const owned = (await entry(path, 'dns-owner'))!.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"dns"}']['f:ports'];
    assert.deepEqual(Object.keys(owned), ['k:{"containerPort":53,"protocol":"TCP"}', 'k:{"containerPort":53,"protocol":"UDP"}']);
    // Another manager adds a port by applying only it: the two lists merge by both keys.
    const res = await request('PATCH', `${path}?fieldManager=metrics`, dns([{ containerPort: 9153, name: 'metrics' }]));
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(
      res.json.spec.template.spec.containers[0].ports.map((p: any) => `${p.containerPort}/${p.protocol}`),
      ['53/TCP', '53/UDP', '9153/TCP'],
    );
  });

  it('an object without managed fields gets a before-first-apply entry; applying over its values conflicts', async () => {
    await ok(['-n', NS, 'create', 'configmap', 'legacy', '--from-literal=mode=a', '--from-literal=level=1']);
    const path = `/api/v1/namespaces/${NS}/configmaps/legacy`;
    const cleared = await request('PATCH', path, JSON.stringify({ metadata: { managedFields: [{}] } }), 'application/merge-patch+json');
    assert.equal(cleared.status, 200, cleared.body);
    assert.equal(cleared.json.metadata.managedFields, undefined);
    const cm = (data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'legacy' }, data });
    const refused = await request('PATCH', `${path}?fieldManager=tool`, cm({ mode: 'b' }));
    assert.equal(refused.status, 409, refused.body);
    assert.match(
      refused.json.message,
      /^Apply failed with 1 conflict: conflict with "before-first-apply" using v1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: \.data\.mode$/,
    );
    // The same values share ownership: before-first-apply keeps what the tool did not apply.
    assert.equal((await request('PATCH', `${path}?fieldManager=tool`, cm({ mode: 'a' }))).status, 200);
    assert.deepEqual((await entry(path, 'before-first-apply', 'Update'))?.fieldsV1, { 'f:data': { 'f:level': {}, 'f:mode': {} } });
    assert.deepEqual((await entry(path, 'tool'))?.fieldsV1, { 'f:data': { 'f:mode': {} } });
  });

  it('more than ten Update managers: the oldest are merged into one ancient-changes entry', async () => {
    await ok(['-n', NS, 'create', 'configmap', 'busy']);
    const path = `/api/v1/namespaces/${NS}/configmaps/busy`;
    for (let i = 0; i < 12; i++) {
      const res = await request('PATCH', `${path}?fieldManager=writer-${i}`, JSON.stringify({ data: { [`k${i}`]: 'v' } }), 'application/merge-patch+json');
      assert.equal(res.status, 200, res.body);
    }
    const updates = (await entries(path)).filter((e) => e.operation === 'Update');
    assert.equal(updates.length, 10, updates.map((e) => e.manager).join(' '));
    const ancient = updates.filter((e) => e.manager === 'ancient-changes');
    assert.equal(ancient.length, 1);
    // kubectl create and the first writers' fields are kept, under the one entry.
    assert.ok(ancient[0]!.fieldsV1['f:data']['f:k0'] && ancient[0]!.fieldsV1['f:data']['f:k1'], JSON.stringify(ancient[0]!.fieldsV1));
    assert.ok(updates.some((e) => e.manager === 'writer-11'));
  });

  it('kubectl apply --server-side --subresource=scale owns spec.replicas through scale', async () => {
    // kubectl maps the manifest by its own kind, so it sends the Deployment; only its replicas are applied.
    const manifest = (replicas: number) => JSON.stringify({ ...JSON.parse(deployment(replicas, { app: 'web' })), metadata: { name: 'web', namespace: NS } });
    const scale = (replicas: number) =>
      JSON.stringify({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: NS }, spec: { replicas } });
    const refused = await run(['apply', '--server-side', '--subresource=scale', '--field-manager=scaler', '-f', '-'], manifest(6));
    assert.notEqual(refused.code, 0, refused.stdout);
    assert.match(refused.stderr, /Apply failed with 1 conflict: conflict with "bob": \.spec\.replicas/);
    await ok(['apply', '--server-side', '--subresource=scale', '--force-conflicts', '--field-manager=scaler', '-f', '-'], manifest(6));
    const obj = (await apiRequest(api.cluster.admin, 'GET', DEPLOY)).json;
    assert.equal(obj.spec.replicas, 6);
    const scaler = obj.metadata.managedFields.find((e: Entry) => e.manager === 'scaler');
    assert.deepEqual(
      { operation: scaler.operation, subresource: scaler.subresource, apiVersion: scaler.apiVersion, fieldsV1: scaler.fieldsV1 },
      { operation: 'Apply', subresource: 'scale', apiVersion: 'apps/v1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
    );
    assert.equal((await entry(DEPLOY, 'bob'))?.fieldsV1['f:spec']['f:replicas'], undefined, 'the forced apply took replicas from bob');
    // A Scale applies the same way and is answered with a Scale; another kind is refused as upstream refuses it.
    const scaleAnswer = await request('PATCH', `${DEPLOY}/scale?fieldManager=scaler`, scale(7));
    assert.equal(scaleAnswer.status, 200, scaleAnswer.body);
    assert.deepEqual([scaleAnswer.json.kind, scaleAnswer.json.spec.replicas], ['Scale', 7]);
    const wrong = await request('PATCH', `${DEPLOY}/scale?fieldManager=scaler`, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', spec: { replicas: 1 } }));
    assert.equal(wrong.status, 400, wrong.body);
    assert.equal(wrong.json.message, 'Incorrect version specified in apply patch. Specified patch version: v1, expected: autoscaling/v1');
  });

  it('client-side apply → server-side apply (newest kubectl) moves ownership without conflicts, and back', async () => {
    const app = (data: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'migrated', namespace: NS }, data });
    const path = `/api/v1/namespaces/${NS}/configmaps/migrated`;
    await ok(['apply', '-f', '-'], app({ a: '1', b: '1' }));
    assert.ok(await entry(path, 'kubectl-client-side-apply', 'Update'));
    // A changed value of a field client-side apply owned is no conflict.
    await ok(['apply', '--server-side', '-f', '-'], app({ a: '2', b: '1' }));
    const after = await entries(path);
    // kubectl keeps its annotation under a manager of its own (kubectl-last-applied).
    assert.deepEqual(
      after.map((e) => `${e.manager}/${e.operation}`).filter((m) => m !== 'kubectl-last-applied/Apply'),
      ['kubectl/Apply'],
      JSON.stringify(after),
    );
    assert.deepEqual(after[0]!.fieldsV1['f:data'], { 'f:a': {}, 'f:b': {} });
    const obj = (await apiRequest(api.cluster.admin, 'GET', path)).json;
    assert.deepEqual(obj.data, { a: '2', b: '1' });
    // Back to client-side apply: the annotation follows the server-side applies, so a key left out is removed.
    await ok(['apply', '--server-side', '-f', '-'], app({ a: '3', b: '1' }));
    await ok(['apply', '-f', '-'], app({ a: '3' }));
    assert.deepEqual((await apiRequest(api.cluster.admin, 'GET', path)).json.data, { a: '3' });
  });

  it('kubectl 1.20, which does not move ownership itself, applies server-side over client-side apply without conflicts, and back', async () => {
    const old = (await kubectlBinaries()).find((b) => b.name === 'kubectl-1.20')!;
    const app = (data: Record<string, string>) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old-kubectl', namespace: NS }, data });
    const path = `/api/v1/namespaces/${NS}/configmaps/old-kubectl`;
    const run120 = async (args: string[], stdin: string) => {
      const res = await kubectl(old, args, { kubeconfig: api.cluster.kubeconfigPath, stdin });
      assert.equal(res.code, 0, `kubectl 1.20 ${args.join(' ')}: ${res.stderr}`);
    };
    await run120(['apply', '-f', '-'], app({ a: '1' }));
    await run120(['apply', '--server-side', '-f', '-'], app({ a: '2', c: '1' }));
    assert.deepEqual((await apiRequest(api.cluster.admin, 'GET', path)).json.data, { a: '2', c: '1' });
    assert.deepEqual((await entry(path, 'kubectl'))?.fieldsV1, { 'f:data': { 'f:a': {}, 'f:c': {} } });
    // The annotation followed the server-side apply: client-side apply without c removes it.
    await run120(['apply', '-f', '-'], app({ a: '5' }));
    assert.deepEqual((await apiRequest(api.cluster.admin, 'GET', path)).json.data, { a: '5' });
    // Another manager gets no such pass.
    const res = await request('PATCH', `${path}?fieldManager=other`, app({ a: '6' }));
    assert.equal(res.status, 409, res.body);
  });

  it('force is refused on other patches; apply needs no more than a fieldManager', async () => {
    const res = await request('PATCH', `${DEPLOY}?force=true`, JSON.stringify({ metadata: { labels: { x: 'y' } } }), 'application/merge-patch+json');
    assert.equal(res.status, 422, res.body);
    assert.equal(res.json.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });

  it('a strategic merge patch on a custom resource is 415 as upstream', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.ssa.example.com' },
      spec: {
        group: 'ssa.example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      ports: {
                        type: 'array',
                        'x-kubernetes-list-type': 'map',
                        'x-kubernetes-list-map-keys': ['name'],
                        items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
                      },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    };
    assert.equal((await apiRequest(api.cluster.admin, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd })).status, 201);
    const widget = `/apis/ssa.example.com/v1/namespaces/${NS}/widgets/w`;
    const body = (manager: string, name: string, port: number) =>
      JSON.stringify({ apiVersion: 'ssa.example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { ports: [{ name, port }] } });
    await waitFor(async () => (await request('PATCH', `${widget}?fieldManager=one`, body('one', 'http', 80))).status === 201);
    // The CRD's list-map-keys merge the two managers' items.
    const two = await request('PATCH', `${widget}?fieldManager=two`, body('two', 'https', 443));
    assert.deepEqual(two.json.spec.ports, [
      { name: 'http', port: 80 },
      { name: 'https', port: 443 },
    ]);
    const smp = await request('PATCH', widget, JSON.stringify({ spec: { ports: [] } }), 'application/strategic-merge-patch+json');
    assert.equal(smp.status, 415, smp.body);
    assert.equal(smp.json.reason, 'UnsupportedMediaType');
    assert.equal(
      smp.json.message,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
