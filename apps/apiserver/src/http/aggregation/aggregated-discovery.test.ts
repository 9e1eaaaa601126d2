import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServedResources } from '../../registry/custom-resources/served-resources.ts';
import { buildGroupDiscoveryList, negotiateAggregatedDiscovery } from './aggregated-discovery.ts';

test('negotiation: the first aggregated JSON type the client lists, legacy otherwise', () => {
  const newest =
    'application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
  assert.equal(negotiateAggregatedDiscovery(newest), 'v2');
  assert.equal(negotiateAggregatedDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), 'v2beta1');
  assert.equal(negotiateAggregatedDiscovery('application/json, */*'), undefined);
  assert.equal(negotiateAggregatedDiscovery(undefined), undefined);
});

test('v2 /apis: every local group with resources and subresources, remote groups fresh or stale', () => {
  const served = new ServedResources();
  const remote = [
    {
      group: 'wardle.example.com',
      version: 'v1alpha1',
      resources: [
        { name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list'] },
        { name: 'flunders/status', singularName: '', namespaced: true, kind: 'Flunder', verbs: ['get'] },
      ],
    },
    { group: 'metrics.k8s.io', version: 'v1beta1' },
  ];
  const doc = buildGroupDiscoveryList({ served, remote }, 'apis', 'v2') as {
    apiVersion: string;
    items: { metadata: { name: string }; versions: { version: string; freshness: string; resources: Record<string, unknown>[] }[] }[];
  };
  assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2');
  const apps = doc.items.find((i) => i.metadata.name === 'apps')!;
  const deployments = apps.versions[0]!.resources.find((r) => r.resource === 'deployments')!;
  assert.deepEqual(deployments.responseKind, { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.equal(deployments.scope, 'Namespaced');
  assert.deepEqual((deployments.subresources as { subresource: string; responseKind: unknown }[]).find((s) => s.subresource === 'scale')!.responseKind, {
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
  });
  const wardle = doc.items.find((i) => i.metadata.name === 'wardle.example.com')!;
  assert.deepEqual(
    wardle.versions.map((v) => [v.version, v.freshness, v.resources.map((r) => r.resource)]),
    [['v1alpha1', 'Current', ['flunders']]],
  );
  // A metrics-server took metrics.k8s.io over: listed once, as its (not yet fetched) remote version.
  const metrics = doc.items.filter((i) => i.metadata.name === 'metrics.k8s.io');
  assert.deepEqual(
    metrics.map((m) => m.versions.map((v) => v.freshness)),
    [['Stale']],
  );
  assert.equal(
    doc.items.some((i) => i.metadata.name === ''),
    false,
  );
});

test('v2 /api: the core group only', () => {
  const doc = buildGroupDiscoveryList({ served: new ServedResources(), remote: [] }, 'api', 'v2beta1') as {
    items: { metadata: { name: string }; versions: { resources: { resource: string; scope: string }[] }[] }[];
  };
  assert.deepEqual(
    doc.items.map((i) => i.metadata.name),
    [''],
  );
  const nodes = doc.items[0]!.versions[0]!.resources.find((r) => r.resource === 'nodes')!;
  assert.equal(nodes.scope, 'Cluster');
});
