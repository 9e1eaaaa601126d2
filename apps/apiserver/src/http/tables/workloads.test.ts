import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../storage/store.ts';
import { toTable } from './index.ts';

const now = Date.parse('2024-05-01T12:00:00Z');
const ago = (s: number): string => new Date(now - s * 1000).toISOString();
const req = { version: 'v1', includeObject: 'None' } as const;
const podSpec = {
  containers: [
    { name: 'db', image: 'postgres:16' },
    { name: 'exporter', image: 'exporter:1' },
  ],
};

test('statefulsets: NAME READY AGE, wide CONTAINERS IMAGES', () => {
  const sts: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', creationTimestamp: ago(90) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'db' } }, template: { spec: podSpec } },
    status: { readyReplicas: 2 },
  };
  const t = toTable({ group: 'apps', resource: 'statefulsets' }, sts, req, now);
  assert.deepEqual(
    t.columnDefinitions.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Ready:0', 'Age:0', 'Containers:1', 'Images:1'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['db', '2/3', '90s', 'db,exporter', 'postgres:16,exporter:1']);
});

test('daemonsets: the scheduling counts, NODE SELECTOR, wide SELECTOR', () => {
  const ds: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', creationTimestamp: ago(7200) },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { ...podSpec, nodeSelector: { 'kubernetes.io/os': 'linux', disk: 'ssd' } } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2 },
  };
  const t = toTable({ group: 'apps', resource: 'daemonsets' }, ds, req, now);
  assert.deepEqual(
    t.columnDefinitions.map((c) => c.name),
    ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['agent', 3, 3, 2, 1, 2, 'disk=ssd,kubernetes.io/os=linux', '120m', 'db,exporter', 'postgres:16,exporter:1', 'app=agent']);
  const bare = structuredClone(ds) as any;
  delete bare.spec.template.spec.nodeSelector;
  bare.status = {};
  assert.deepEqual(toTable({ group: 'apps', resource: 'daemonsets' }, bare, req, now).rows[0]!.cells.slice(1, 7), [0, 0, 0, 0, 0, '<none>']);
});

test('controllerrevisions: CONTROLLER as kind.group/name, REVISION', () => {
  const rev: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: 'db-7d9f',
      creationTimestamp: ago(30),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }],
    },
    revision: 2,
  } as unknown as KubeObject;
  const t = toTable({ group: 'apps', resource: 'controllerrevisions' }, rev, req, now);
  assert.deepEqual(
    t.columnDefinitions.map((c) => c.name),
    ['Name', 'Controller', 'Revision', 'Age'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['db-7d9f', 'statefulset.apps/db', 2, '30s']);
  const orphan = { ...rev, metadata: { ...rev.metadata, ownerReferences: [] } } as KubeObject;
  assert.equal(toTable({ group: 'apps', resource: 'controllerrevisions' }, orphan, req, now).rows[0]!.cells[1], '<none>');
});

test('storageclasses: NAME marks the default class, policies fall back to their defaults', () => {
  const sc = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'local-path', creationTimestamp: ago(60), annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'skiff.dev/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  } as unknown as KubeObject;
  const t = toTable({ group: 'storage.k8s.io', resource: 'storageclasses' }, sc, req, now);
  assert.deepEqual(
    t.columnDefinitions.map((c) => c.name),
    ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['local-path (default)', 'skiff.dev/local-path', 'Delete', 'WaitForFirstConsumer', false, '60s']);
  const plain = { ...sc, metadata: { name: 'slow', creationTimestamp: ago(60) }, allowVolumeExpansion: true } as unknown as KubeObject;
  delete (plain as any).reclaimPolicy;
  delete (plain as any).volumeBindingMode;
  assert.deepEqual(toTable({ group: 'storage.k8s.io', resource: 'storageclasses' }, plain, req, now).rows[0]!.cells, [
    'slow',
    'skiff.dev/local-path',
    'Delete',
    'Immediate',
    true,
    '60s',
  ]);
});
