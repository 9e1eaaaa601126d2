/**
 * The clients that must learn custom resources from discovery, against a real etcd,
 * apiserver and controller-manager: the namespace controller empties a terminating
 * namespace of custom objects, the garbage collector follows owner references between
 * custom and built-in kinds both ways, and Skiff's own kubectl gets and describes custom
 * objects by every name discovery gives them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, apiRequest, eventually, useApiControlPlane, type ApiResponse } from '../harness/index.ts';

// Ports 26600 (etcd) and 26650 (apiserver) belong to this file (range 26600-26699).
const BASE_PORT = 26600;
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const GROUP = 'clients.skiff.dev';
const widgetsIn = (ns: string) => `/apis/${GROUP}/v1/namespaces/${ns}/widgets`;

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wdg'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        additionalPrinterColumns: [
          { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } } } },
        },
      },
    ],
  },
};

interface Owner {
  apiVersion: string;
  kind: string;
  metadata: { name: string; uid: string };
}
const ownedBy = (o: Owner) => [{ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid }];
const widget = (ns: string, name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'Widget',
  metadata: { name, namespace: ns, labels: { app: 'shop' }, ...extra },
  spec: { size: 3, color: 'teal' },
});
const configMap = (ns: string, name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, ...extra },
  data: { a: '1' },
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('custom resources in the namespace controller, the garbage collector and skiff kubectl', { timeout: 300_000 }, () => {
  const api = useApiControlPlane(BASE_PORT);
  const call = (method: string, path: string, body?: unknown): Promise<ApiResponse> => apiRequest(api.cluster.admin, method, path, { body });
  const create = async (path: string, body: unknown) => {
    const res = await call('POST', path, body);
    assert.equal(res.status, 201, res.body);
    return res.json;
  };
  const gone = (path: string, within = 20_000) => eventually(async () => assert.equal((await call('GET', path)).status, 404), within, 100);
  const kubectl = (...args: string[]): Promise<Result> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(REPO_ROOT, 'apps/kubectl/src/main.ts'), ...args],
        {
          env: { ...process.env, KUBECONFIG: api.cluster.kubeconfigPath },
          timeout: 60_000,
        },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });

  const established = async () => {
    await create(CRD_PATH, widgetCrd);
    await eventually(
      async () => {
        const crd = (await call('GET', `${CRD_PATH}/widgets.${GROUP}`)).json;
        assert.equal(crd.status?.conditions?.find((c: { type: string }) => c.type === 'Established')?.status, 'True');
      },
      10_000,
      50,
    );
  };

  it('a namespace holding custom objects is emptied of them and then goes away', async () => {
    await established();
    await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'crns' } });
    for (const name of ['a', 'b', 'c']) await create(widgetsIn('crns'), widget('crns', name));
    await create('/api/v1/namespaces/crns/configmaps', configMap('crns', 'plain'));

    assert.equal((await call('DELETE', '/api/v1/namespaces/crns')).status, 200);
    await gone('/api/v1/namespaces/crns', 30_000);
    const left = await call('GET', widgetsIn('crns'));
    assert.equal(left.status, 200, left.body);
    assert.deepEqual(left.json.items, []);
  });

  it('the garbage collector deletes a ConfigMap owned by a custom object, and a custom object owned by a Deployment', async () => {
    await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gc' } });
    const owner = await create(widgetsIn('gc'), widget('gc', 'owner'));
    await create('/api/v1/namespaces/gc/configmaps', configMap('gc', 'dependent', { ownerReferences: ownedBy(owner) }));
    await create('/api/v1/namespaces/gc/configmaps', configMap('gc', 'bystander'));
    assert.equal((await call('DELETE', `${widgetsIn('gc')}/owner`)).status, 200);
    await gone('/api/v1/namespaces/gc/configmaps/dependent');

    const deploy = await create('/apis/apps/v1/namespaces/gc/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'gc' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    });
    await create(widgetsIn('gc'), widget('gc', 'owned', { ownerReferences: ownedBy(deploy) }));
    await create(widgetsIn('gc'), widget('gc', 'free'));
    assert.equal((await call('DELETE', '/apis/apps/v1/namespaces/gc/deployments/web')).status, 200);
    await gone(`${widgetsIn('gc')}/owned`);
    assert.equal((await call('GET', `${widgetsIn('gc')}/free`)).status, 200);
    assert.equal((await call('GET', '/api/v1/namespaces/gc/configmaps/bystander')).status, 200);
  });

  it('skiff kubectl gets custom objects by plural, singular, short name and kind, with their columns, and describes them', async () => {
    await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cli' } });
    await create(widgetsIn('cli'), widget('cli', 'blue'));
    for (const name of ['widgets', 'widget', 'wdg', 'Widget', 'widgets.clients.skiff.dev']) {
      const got = await kubectl('get', name, '-n', 'cli');
      assert.equal(got.code, 0, `${name}: ${got.stderr}`);
      assert.match(got.stdout, /^NAME\s+SIZE\s+AGE\nblue\s+3\s+\d+s\n$/, name);
    }
    const named = await kubectl('get', 'wdg', 'blue', '-n', 'cli', '-o', 'name');
    assert.equal(named.stdout, 'widget.clients.skiff.dev/blue\n');

    const described = await kubectl('describe', 'widget', 'blue', '-n', 'cli');
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /^Name:\s+blue$/m);
    assert.match(described.stdout, /^Namespace:\s+cli$/m);
    assert.match(described.stdout, /^API Version:\s+clients\.skiff\.dev\/v1$/m);
    assert.match(described.stdout, /^Kind:\s+Widget$/m);
    assert.match(described.stdout, /^Spec:\n\s+Color:\s+teal\n\s+Size:\s+3$/m);

    const crds = await kubectl('get', 'crd');
    assert.match(crds.stdout, /^NAME\s+CREATED AT\n/);
    assert.match(crds.stdout, /^widgets\.clients\.skiff\.dev\s+\d{4}-\d\d-\d\dT/m);
    const resources = await kubectl('api-resources', '--api-group', GROUP);
    assert.match(resources.stdout, /^widgets\s+wdg\s+clients\.skiff\.dev\/v1\s+true\s+Widget$/m);
  });

  it("the README's own kind: skiff kubectl applies deploy/examples/backup-crd.yaml and backup.yaml, and the schema answers", async () => {
    const example = (name: string) => join(REPO_ROOT, 'deploy/examples', name);
    const crd = await kubectl('apply', '-f', example('backup-crd.yaml'));
    assert.equal(crd.code, 0, crd.stderr);
    assert.match(crd.stdout, /customresourcedefinition\.apiextensions\.k8s\.io\/backups\.homelab\.example\.com created/);
    const applied = await eventually(
      async () => {
        const res = await kubectl('apply', '-f', example('backup.yaml'));
        assert.equal(res.code, 0, res.stderr);
        return res;
      },
      10_000,
      200,
    );
    assert.match(applied.stdout, /backup\.homelab\.example\.com\/db-nightly created/);
    const got = await kubectl('get', 'bk');
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^NAME\s+SCHEDULE\s+CLAIM\s+KEEP\s+LAST RUN\s+AGE\ndb-nightly\s+0 3 \* \* \*\s+data-db-0\s+7\s+<none>\s+\d+s\n$/);
    // The CEL rule and the pattern refuse what the schema does not allow, naming the field.
    const scratch = await call('POST', '/apis/homelab.example.com/v1/namespaces/default/backups', {
      apiVersion: 'homelab.example.com/v1',
      kind: 'Backup',
      metadata: { name: 'scratch' },
      spec: { schedule: 'daily', claim: 'tmp-x' },
    });
    assert.equal(scratch.status, 422, scratch.body);
    const fields = (scratch.json.details.causes as { field: string; message: string }[]).map((c) => `${c.field}: ${c.message}`).join('\n');
    assert.match(fields, /^spec\.schedule: Invalid value: "daily": spec\.schedule in body should match/m);
    assert.match(fields, /^spec: Invalid value: "object": scratch claims are not backed up$/m);
    const deleted = await kubectl('delete', '-f', example('backup-crd.yaml'));
    assert.equal(deleted.code, 0, deleted.stderr);
    await gone('/apis/homelab.example.com/v1/namespaces/default/backups/db-nightly');
  });
});
