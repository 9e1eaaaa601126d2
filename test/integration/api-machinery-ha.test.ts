/**
 * The API machinery on an HA control plane: two apiservers on one etcd cluster, each running its
 * own CRD and APIService controllers. A CRD created through one is served by the other within a
 * second; objects written through either are read through both; the controllers of the two
 * servers agree (statuses settle, nothing flaps); a deleted CRD stops being served on both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { apiRequest, ApiServerProcess, eventually, startTestCluster, type ApiResponse, type ApiTarget, type TestCluster } from '../harness/index.ts';

// Ports 26700-26705 (etcd), 26800 and 26801 (the two apiservers) belong to this file.
const BASE_PORT = 26700;
const SECOND_PORT = 26801;
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const WIDGETS = '/apis/ha.example.com/v1/namespaces/default/widgets';

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.ha.example.com' },
  spec: {
    group: 'ha.example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1, default: 3 } } } } },
        },
      },
    ],
  },
};

describe('API machinery on two apiservers', { timeout: 180_000 }, () => {
  let cluster: TestCluster;
  let second: ApiServerProcess;
  let first: ApiTarget;
  let other: ApiTarget;

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT });
    second = new ApiServerProcess({
      ...cluster.apiServer.options,
      args: cluster.apiServer.options.args.map((a) => (a.startsWith('--secure-port=') ? `--secure-port=${SECOND_PORT}` : a)),
      url: `https://127.0.0.1:${SECOND_PORT}`,
      logFile: join(cluster.dir, 'logs', 'apiserver-2.log'),
    });
    cluster.onStop(() => second.stop(5000).catch(() => second.kill()));
    await second.start();
    first = cluster.admin;
    other = { ...cluster.admin, server: second.options.url };
  });
  after(async () => {
    await cluster?.stop();
  });

  const call = (target: ApiTarget, method: string, path: string, body?: unknown): Promise<ApiResponse> => apiRequest(target, method, path, { body });
  const expectStatus = (res: ApiResponse, status: number): void => assert.equal(res.status, status, res.body);

  it('a CRD created through one apiserver is served by the other within a second, objects flow both ways', async () => {
    expectStatus(await call(first, 'POST', CRDS, widgetCrd), 201);
    const started = Date.now();
    await eventually(
      async () => {
        const res = await call(other, 'GET', '/apis/ha.example.com/v1');
        expectStatus(res, 200);
        assert.ok(
          res.json.resources.some((r: { name: string }) => r.name === 'widgets'),
          res.body,
        );
      },
      5000,
      50,
    );
    assert.ok(Date.now() - started < 1500, `served by the second apiserver after ${Date.now() - started} ms`);

    const created = await call(other, 'POST', WIDGETS, { apiVersion: 'ha.example.com/v1', kind: 'Widget', metadata: { name: 'a' }, spec: {} });
    expectStatus(created, 201);
    assert.equal(created.json.spec.size, 3, 'defaulted by the second apiserver from the CRD schema');
    const invalid = await call(first, 'POST', WIDGETS, { apiVersion: 'ha.example.com/v1', kind: 'Widget', metadata: { name: 'b' }, spec: { size: 0 } });
    expectStatus(invalid, 422);
    assert.equal(invalid.json.details.causes[0].field, 'spec.size');
    const read = await call(first, 'GET', `${WIDGETS}/a`);
    expectStatus(read, 200);
    assert.equal(read.json.metadata.uid, created.json.metadata.uid);
  });

  it("the two servers' controllers agree: the CRD's status and the APIServices settle and stay still", async () => {
    const settled = async (): Promise<string> => {
      const crd = await call(first, 'GET', `${CRDS}/widgets.ha.example.com`);
      const apiService = await call(other, 'GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1.ha.example.com');
      expectStatus(crd, 200);
      expectStatus(apiService, 200);
      assert.equal(crd.json.status.conditions.find((c: { type: string }) => c.type === 'Established')?.status, 'True');
      assert.equal(apiService.json.status.conditions.find((c: { type: string }) => c.type === 'Available')?.status, 'True');
      return `${crd.json.metadata.resourceVersion}/${apiService.json.metadata.resourceVersion}`;
    };
    const before = await eventually(settled, 10_000);
    // Both servers resync on their own; two seconds of quiet must write nothing more.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(await settled(), before, 'no status write went back and forth between the two apiservers');
  });

  it('a CRD deleted through one apiserver takes its objects and stops being served on both', async () => {
    expectStatus(await call(other, 'DELETE', `${CRDS}/widgets.ha.example.com`), 200);
    for (const target of [first, other]) {
      await eventually(
        async () => {
          expectStatus(await call(target, 'GET', `${CRDS}/widgets.ha.example.com`), 404);
          expectStatus(await call(target, 'GET', WIDGETS), 404);
        },
        15_000,
        100,
      );
    }
    // The CRD's APIService goes with its last served version.
    await eventually(
      async () => {
        expectStatus(await call(first, 'GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1.ha.example.com'), 404);
      },
      15_000,
      100,
    );
  });
});
