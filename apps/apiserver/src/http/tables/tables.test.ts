import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../storage/store.ts';
import { parseTableAccept, toTable } from './index.ts';
import { podStatusReason } from './pods.ts';

const now = Date.parse('2024-05-01T12:00:00Z');
const ago = (s: number): string => new Date(now - s * 1000).toISOString();

test('parseTableAccept picks the Table version kubectl asks for', () => {
  assert.equal(parseTableAccept('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'), 'v1');
  assert.equal(parseTableAccept('application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json'), 'v1beta1');
  assert.equal(parseTableAccept('application/json'), undefined);
  assert.equal(parseTableAccept(undefined), undefined);
  assert.equal(parseTableAccept('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json'), undefined);
});

function pod(overrides: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: ago(192) },
    spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'busybox' }], nodeName: 'node-1' },
    status: { phase: 'Running', podIP: '10.244.1.5' },
    ...overrides,
  };
}

test('pod rows: READY, STATUS, RESTARTS, AGE and wide columns', () => {
  const p = pod({
    status: {
      phase: 'Running', podIP: '10.244.1.5',
      containerStatuses: [
        { name: 'a', ready: true, restartCount: 3, state: { running: {} }, lastState: { terminated: { finishedAt: ago(300) } } },
        { name: 'b', ready: false, restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } },
      ],
    },
  });
  const list = { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '42' }, items: [p] } as unknown as KubeObject;
  const t = toTable({ group: '', resource: 'pods' }, list, { version: 'v1', includeObject: 'Metadata' }, now);
  assert.equal(t.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(t.metadata, { resourceVersion: '42' });
  assert.deepEqual(t.columnDefinitions.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Ready:0', 'Status:0', 'Restarts:0', 'Age:0', 'IP:1', 'Node:1', 'Nominated Node:1', 'Readiness Gates:1']);
  assert.deepEqual(t.rows[0]!.cells, ['web-1', '1/2', 'CrashLoopBackOff', '3 (5m ago)', '3m12s', '10.244.1.5', 'node-1', '<none>', '<none>']);
  assert.deepEqual(t.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
  const none = toTable({ group: '', resource: 'pods' }, list, { version: 'v1beta1', includeObject: 'None' }, now);
  assert.equal(none.rows[0]!.object, undefined);
  assert.equal(none.apiVersion, 'meta.k8s.io/v1beta1');
});

test('pod STATUS follows kubectl: init progress, terminated reasons, Terminating', () => {
  assert.equal(podStatusReason(pod({ status: { phase: 'Pending' } })), 'Pending');
  assert.equal(podStatusReason(pod({
    spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'a' }] },
    status: { phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 0 } } }, { state: { running: {} } }] },
  })), 'Init:1/2');
  assert.equal(podStatusReason(pod({ status: { phase: 'Running', containerStatuses: [{ state: { terminated: { exitCode: 137, signal: 9 } } }] } })), 'Signal:9');
  assert.equal(podStatusReason(pod({ status: { phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 2 } } }] } })), 'ExitCode:2');
  const deleting = pod({});
  deleting.metadata.deletionTimestamp = ago(1);
  assert.equal(podStatusReason(deleting), 'Terminating');
});

test('deployment, service, node and default rows', () => {
  const deploy = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', creationTimestamp: ago(45) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  } as KubeObject;
  assert.deepEqual(toTable({ group: 'apps', resource: 'deployments' }, deploy, { version: 'v1', includeObject: 'None' }, now).rows[0]!.cells,
    ['web', '2/3', 3, 2, '45s', 'nginx', 'nginx:1.25', 'app=web']);
  const svc = {
    metadata: { name: 'web', creationTimestamp: ago(7200) },
    spec: { type: 'NodePort', clusterIP: '10.96.0.10', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { app: 'web' } },
  } as KubeObject;
  assert.deepEqual(toTable({ group: '', resource: 'services' }, svc, { version: 'v1', includeObject: 'None' }, now).rows[0]!.cells,
    ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP,53/UDP', '120m', 'app=web']);
  const node = {
    metadata: { name: 'n1', creationTimestamp: ago(90000), labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.30.0-skiff' }, addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] },
  } as KubeObject;
  assert.deepEqual(toTable({ group: '', resource: 'nodes' }, node, { version: 'v1', includeObject: 'None' }, now).rows[0]!.cells.slice(0, 6),
    ['n1', 'Ready,SchedulingDisabled', 'control-plane', '25h', 'v1.30.0-skiff', '10.0.0.2']);
  const lease = { metadata: { name: 'x' } } as KubeObject;
  const t = toTable({ group: 'example.io', resource: 'widgets' }, lease, { version: 'v1', includeObject: 'Object' }, now);
  assert.deepEqual(t.rows[0]!.cells, ['x', '<unknown>']);
  assert.equal(t.rows[0]!.object, lease);
});

test('PersistentVolume and claim rows: capacity, short access modes, claim, status', () => {
  const pv = {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'data', creationTimestamp: ago(60) },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'db' }, storageClassName: 'local', volumeMode: 'Filesystem' },
    status: { phase: 'Bound' },
  } as unknown as KubeObject;
  const pvTable = toTable({ group: '', resource: 'persistentvolumes' }, pv, { version: 'v1', includeObject: 'None' }, now);
  assert.deepEqual(pvTable.columnDefinitions.map((c) => c.name), ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode']);
  assert.deepEqual(pvTable.rows[0]!.cells, ['data', '1Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/db', 'local', '<none>', '', '60s', 'Filesystem']);
  const pending = {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'db', namespace: 'default', creationTimestamp: ago(5) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' },
  } as unknown as KubeObject;
  const pvcTable = toTable({ group: '', resource: 'persistentvolumeclaims' }, pending, { version: 'v1', includeObject: 'None' }, now);
  assert.deepEqual(pvcTable.rows[0]!.cells, ['db', 'Pending', '', '', '', '', '<none>', '5s', '<none>']);
});

test('CertificateSigningRequest rows: requestor, duration and condition', () => {
  const csr = (status: unknown, expirationSeconds?: number) => ({
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'node-csr', creationTimestamp: ago(30) },
    spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:bootstrap:abcdef', ...(expirationSeconds ? { expirationSeconds } : {}) },
    status,
  }) as unknown as KubeObject;
  const row = (obj: KubeObject) => toTable({ group: 'certificates.k8s.io', resource: 'certificatesigningrequests' }, obj, { version: 'v1', includeObject: 'None' }, now).rows[0]!.cells;
  assert.deepEqual(row(csr({})), ['node-csr', '30s', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', '<none>', 'Pending']);
  assert.deepEqual(row(csr({ conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0t' }, 86400)).slice(4), ['24h', 'Approved,Issued']);
  assert.deepEqual(row(csr({ conditions: [{ type: 'Denied', status: 'True' }] })).slice(5), ['Denied']);
});
