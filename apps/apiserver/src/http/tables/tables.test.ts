import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../storage/store.ts';
import { parseTableAccept, toTable } from './index.ts';
import { podStatusReason, summarizePod } from './pods.ts';
import { nodeStatus } from './cluster.ts';

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
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', creationTimestamp: ago(192) },
    spec: {
      containers: [
        { name: 'a', image: 'nginx' },
        { name: 'b', image: 'busybox' },
      ],
      nodeName: 'node-1',
    },
    status: { phase: 'Running', podIP: '10.244.1.5' },
    ...overrides,
  };
}

test('pod rows: READY, STATUS, RESTARTS, AGE and wide columns', () => {
  const p = pod({
    status: {
      phase: 'Running',
      podIP: '10.244.1.5',
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
  assert.deepEqual(
    t.columnDefinitions.map((c) => `${c.name}:${c.priority}`),
    ['Name:0', 'Ready:0', 'Status:0', 'Restarts:0', 'Age:0', 'IP:1', 'Node:1', 'Nominated Node:1', 'Readiness Gates:1'],
  );
  assert.deepEqual(t.rows[0]!.cells, ['web-1', '1/2', 'CrashLoopBackOff', '3 (5m ago)', '3m12s', '10.244.1.5', 'node-1', '<none>', '<none>']);
  assert.deepEqual(t.rows[0]!.object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
  const none = toTable({ group: '', resource: 'pods' }, list, { version: 'v1beta1', includeObject: 'None' }, now);
  assert.equal(none.rows[0]!.object, undefined);
  assert.equal(none.apiVersion, 'meta.k8s.io/v1beta1');
});

test('pod STATUS follows kubectl: init progress, terminated reasons, Terminating', () => {
  assert.equal(podStatusReason(pod({ status: { phase: 'Pending' } })), 'Pending');
  assert.equal(
    podStatusReason(
      pod({
        spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'a' }] },
        status: { phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 0 } } }, { state: { running: {} } }] },
      }),
    ),
    'Init:1/2',
  );
  assert.equal(
    podStatusReason(pod({ status: { phase: 'Running', containerStatuses: [{ state: { terminated: { exitCode: 137, signal: 9 } } }] } })),
    'Signal:9',
  );
  assert.equal(podStatusReason(pod({ status: { phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 2 } } }] } })), 'ExitCode:2');
  const deleting = pod({});
  deleting.metadata.deletionTimestamp = ago(1);
  assert.equal(podStatusReason(deleting), 'Terminating');
});

test('deployment, service, node and default rows', () => {
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', creationTimestamp: ago(45) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  } as KubeObject;
  assert.deepEqual(toTable({ group: 'apps', resource: 'deployments' }, deploy, { version: 'v1', includeObject: 'None' }, now).rows[0]!.cells, [
    'web',
    '2/3',
    3,
    2,
    '45s',
    'nginx',
    'nginx:1.25',
    'app=web',
  ]);
  const svc = {
    metadata: { name: 'web', creationTimestamp: ago(7200) },
    spec: {
      type: 'NodePort',
      clusterIP: '10.96.0.10',
      ports: [
        { port: 80, nodePort: 30080, protocol: 'TCP' },
        { port: 53, protocol: 'UDP' },
      ],
      selector: { app: 'web' },
    },
  } as KubeObject;
  assert.deepEqual(toTable({ group: '', resource: 'services' }, svc, { version: 'v1', includeObject: 'None' }, now).rows[0]!.cells, [
    'web',
    'NodePort',
    '10.96.0.10',
    '<none>',
    '80:30080/TCP,53/UDP',
    '120m',
    'app=web',
  ]);
  const node = {
    metadata: { name: 'n1', creationTimestamp: ago(90000), labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      nodeInfo: { kubeletVersion: 'v1.30.0-skiff' },
      addresses: [{ type: 'InternalIP', address: '10.0.0.2' }],
    },
  } as KubeObject;
  assert.deepEqual(toTable({ group: '', resource: 'nodes' }, node, { version: 'v1', includeObject: 'None' }, now).rows[0]!.cells.slice(0, 6), [
    'n1',
    'Ready,SchedulingDisabled',
    'control-plane',
    '25h',
    'v1.30.0-skiff',
    '10.0.0.2',
  ]);
  const lease = { metadata: { name: 'x' } } as KubeObject;
  const t = toTable({ group: 'example.io', resource: 'widgets' }, lease, { version: 'v1', includeObject: 'Object' }, now);
  assert.deepEqual(t.rows[0]!.cells, ['x', '<unknown>']);
  assert.equal(t.rows[0]!.object, lease);
});

test('PersistentVolume and claim rows: capacity, short access modes, claim, status', () => {
  const pv = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'data', creationTimestamp: ago(60) },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteMany', 'ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      claimRef: { namespace: 'default', name: 'db' },
      storageClassName: 'local',
      volumeMode: 'Filesystem',
    },
    status: { phase: 'Bound' },
  } as unknown as KubeObject;
  const pvTable = toTable({ group: '', resource: 'persistentvolumes' }, pv, { version: 'v1', includeObject: 'None' }, now);
  assert.deepEqual(
    pvTable.columnDefinitions.map((c) => c.name),
    ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode'],
  );
  assert.deepEqual(pvTable.rows[0]!.cells, ['data', '1Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/db', 'local', '<none>', '', '60s', 'Filesystem']);
  const pending = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'db', namespace: 'default', creationTimestamp: ago(5) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    status: { phase: 'Pending' },
  } as unknown as KubeObject;
  const pvcTable = toTable({ group: '', resource: 'persistentvolumeclaims' }, pending, { version: 'v1', includeObject: 'None' }, now);
  assert.deepEqual(pvcTable.rows[0]!.cells, ['db', 'Pending', '', '', '', '', '<none>', '5s', '<none>']);
});

test('CertificateSigningRequest rows: requestor, duration and condition', () => {
  const csr = (status: unknown, expirationSeconds?: number) =>
    ({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'node-csr', creationTimestamp: ago(30) },
      spec: {
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        username: 'system:bootstrap:abcdef',
        ...(expirationSeconds ? { expirationSeconds } : {}),
      },
      status,
    }) as unknown as KubeObject;
  const row = (obj: KubeObject) =>
    toTable({ group: 'certificates.k8s.io', resource: 'certificatesigningrequests' }, obj, { version: 'v1', includeObject: 'None' }, now).rows[0]!.cells;
  assert.deepEqual(row(csr({})), ['node-csr', '30s', 'kubernetes.io/kube-apiserver-client-kubelet', 'system:bootstrap:abcdef', '<none>', 'Pending']);
  assert.deepEqual(row(csr({ conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0t' }, 86400)).slice(4), ['24h', 'Approved,Issued']);
  assert.deepEqual(row(csr({ conditions: [{ type: 'Denied', status: 'True' }] })).slice(5), ['Denied']);
});

test('node STATUS as upstream printNode writes it', () => {
  const cases: [string, unknown, string][] = [
    ['ready', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'Ready'],
    ['not ready', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, 'NotReady'],
    ['kubelet stopped: Unknown condition', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }, 'NotReady'],
    ['no Ready condition at all', { status: { conditions: [{ type: 'MemoryPressure', status: 'False' }] } }, 'Unknown'],
    ['no status', {}, 'Unknown'],
    ['cordoned and stopped', { spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }, 'NotReady,SchedulingDisabled'],
    ['cordoned, never reported', { spec: { unschedulable: true } }, 'Unknown,SchedulingDisabled'],
  ];
  for (const [name, node, want] of cases) assert.equal(nodeStatus(node), want, name);
});

test('pod READY, STATUS and RESTARTS edge cases as upstream printPod', () => {
  const running = { running: {} };
  const cases: [string, Record<string, unknown>, Partial<ReturnType<typeof summarizePod>>][] = [
    [
      'a deleted pod that finished is not Terminating',
      {
        metadata: { name: 'p', deletionTimestamp: ago(1) },
        status: { phase: 'Succeeded', containerStatuses: [{ state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
      },
      { reason: 'Completed' },
    ],
    ['a deleted running pod is Terminating', { metadata: { name: 'p', deletionTimestamp: ago(1) }, status: { phase: 'Running' } }, { reason: 'Terminating' }],
    [
      "a lost node's pod is Unknown",
      { metadata: { name: 'p', deletionTimestamp: ago(1) }, status: { phase: 'Running', reason: 'NodeLost' } },
      { reason: 'Unknown' },
    ],
    [
      'scheduling gates',
      { status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } },
      { reason: 'SchedulingGated' },
    ],
    [
      'a failed init container',
      {
        spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }] },
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'i', restartCount: 2, state: { terminated: { exitCode: 1, reason: 'Error' } }, lastState: { terminated: { finishedAt: ago(60) } } },
          ],
        },
      },
      { ready: '0/1', reason: 'Init:Error', restarts: '2 (60s ago)' },
    ],
    [
      'an init container crash-looping',
      {
        spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }] },
        status: { phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
      },
      { reason: 'Init:CrashLoopBackOff' },
    ],
    [
      "a started sidecar counts towards READY, a finished init container's restarts do not",
      {
        spec: { initContainers: [{ name: 'setup' }, { name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'a' }] },
        status: {
          phase: 'Running',
          conditions: [
            { type: 'Initialized', status: 'True' },
            { type: 'Ready', status: 'True' },
          ],
          initContainerStatuses: [
            { name: 'setup', restartCount: 4, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'proxy', started: true, ready: true, restartCount: 1, state: running, lastState: { terminated: { finishedAt: ago(600) } } },
          ],
          containerStatuses: [{ name: 'a', ready: true, restartCount: 0, state: running }],
        },
      },
      { ready: '2/2', reason: 'Running', restarts: '1 (10m ago)' },
    ],
    [
      'ready but not running does not count',
      { status: { phase: 'Running', containerStatuses: [{ ready: true, state: { waiting: { reason: 'ContainerCreating' } } }] } },
      { ready: '0/2', reason: 'ContainerCreating' },
    ],
    [
      'one container completed, the other running and ready',
      {
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'False' }],
          containerStatuses: [
            { ready: true, state: running },
            { ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          ],
        },
      },
      { ready: '1/2', reason: 'NotReady' },
    ],
    [
      'restarts without a recorded finish time',
      { status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 3, state: running }] } },
      { restarts: '3' },
    ],
  ];
  for (const [name, overrides, want] of cases) {
    const p = pod(overrides);
    if (overrides.metadata) p.metadata = { ...p.metadata, ...(overrides.metadata as object) };
    const got = summarizePod(p, now);
    for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, `${name}: ${k}`);
  }
});

test('service EXTERNAL-IP and PORT(S), endpoints and slices as upstream prints them', () => {
  const row = (resource: string, obj: unknown) =>
    toTable(
      { group: resource === 'endpointslices' ? 'discovery.k8s.io' : '', resource },
      { metadata: { name: 'x', creationTimestamp: ago(5) }, ...(obj as object) } as KubeObject,
      { version: 'v1', includeObject: 'None' },
      now,
    ).rows[0]!.cells;
  const cases: [string, string, unknown, number, unknown][] = [
    [
      'LoadBalancer pending',
      'services',
      { spec: { type: 'LoadBalancer', clusterIP: '10.96.0.9', ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] } },
      3,
      '<pending>',
    ],
    [
      'LoadBalancer addresses sorted and unique, hostname when no IP, then external IPs',
      'services',
      {
        spec: { type: 'LoadBalancer', externalIPs: ['192.0.2.9'] },
        status: { loadBalancer: { ingress: [{ ip: '10.0.0.9' }, { hostname: 'lb.example' }, { ip: '10.0.0.1' }, { ip: '10.0.0.9' }] } },
      },
      3,
      '10.0.0.1,10.0.0.9,lb.example,192.0.2.9',
    ],
    ['ClusterIP with external IPs', 'services', { spec: { type: 'ClusterIP', externalIPs: ['192.0.2.1', '192.0.2.2'] } }, 3, '192.0.2.1,192.0.2.2'],
    ['ExternalName', 'services', { spec: { type: 'ExternalName', externalName: 'db.example' } }, 3, 'db.example'],
    ['headless, no ports', 'services', { spec: { type: 'ClusterIP', clusterIP: 'None' } }, 4, '<none>'],
    [
      'endpoints port by port',
      'endpoints',
      { subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] },
      1,
      '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...',
    ],
    ['endpoints IPv6 in brackets', 'endpoints', { subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }] }, 1, '[fd00::1]:80'],
    ['endpoints with only unready addresses', 'endpoints', { subsets: [{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] }, 1, '<none>'],
    [
      'slice ports by number, name or *',
      'endpointslices',
      { addressType: 'IPv4', ports: [{ port: 80 }, { name: 'http' }, {}, { port: 9 }], endpoints: [] },
      2,
      '80,http,* + 1 more...',
    ],
    ['slice without endpoints', 'endpointslices', { addressType: 'IPv4', ports: [], endpoints: [] }, 3, '<unset>'],
  ];
  for (const [name, resource, obj, cell, want] of cases) assert.equal(row(resource, obj)[cell], want, name);
});

test('workload selectors, volume and claim phases, CSR conditions as upstream', () => {
  const rs = {
    metadata: { name: 'web-1', creationTimestamp: ago(5) },
    spec: {
      replicas: 0,
      selector: { matchLabels: { tier: 'fe', app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }] },
      template: { spec: { containers: [] } },
    },
    status: { replicas: 0 },
  } as unknown as KubeObject;
  assert.deepEqual(toTable({ group: 'apps', resource: 'replicasets' }, rs, { version: 'v1', includeObject: 'None' }, now).rows[0]!.cells, [
    'web-1',
    0,
    0,
    0,
    '5s',
    '',
    '',
    'app=web,env in (dev,prod),tier=fe',
  ]);
  const deleting = {
    metadata: { name: 'data', creationTimestamp: ago(5), deletionTimestamp: ago(1) },
    spec: { volumeName: 'pv-1' },
    status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] },
  } as unknown as KubeObject;
  assert.deepEqual(
    toTable({ group: '', resource: 'persistentvolumeclaims' }, deleting, { version: 'v1', includeObject: 'None' }, now).rows[0]!.cells.slice(1, 5),
    ['Terminating', 'pv-1', '1Gi', 'RWO'],
  );
  const csr = (conditions: unknown[], certificate?: string) =>
    toTable(
      { group: 'certificates.k8s.io', resource: 'certificatesigningrequests' },
      { metadata: { name: 'c' }, spec: {}, status: { conditions, ...(certificate ? { certificate } : {}) } } as unknown as KubeObject,
      { version: 'v1', includeObject: 'None' },
      now,
    ).rows[0]!.cells;
  assert.deepEqual(
    csr([
      { type: 'Approved', status: 'True' },
      { type: 'Denied', status: 'True' },
    ]).slice(2),
    ['<none>', '', '<none>', 'Denied'],
  );
  assert.equal(
    csr([
      { type: 'Approved', status: 'True' },
      { type: 'Failed', status: 'True' },
    ])[5],
    'Approved,Failed',
  );
  assert.equal(csr([], 'LS0t')[5], 'Pending,Issued');
});
