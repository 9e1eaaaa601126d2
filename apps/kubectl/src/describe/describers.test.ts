import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind } from '@skiff/api';
import { tabbed } from '../printers/tabwriter.ts';
import type { DescribeEnv } from './describer.ts';
import { describerFor } from './describers.ts';
import { Lines, type Obj } from './lines.ts';

const pods: Obj[] = [
  {
    metadata: { name: 'db-0', ownerReferences: [{ controller: true, uid: 'sts-1' }] },
    status: { phase: 'Running' },
    spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }] },
  },
  { metadata: { name: 'db-1', ownerReferences: [{ controller: true, uid: 'sts-1' }] }, status: { phase: 'Pending' } },
];
const replicaSets: Obj[] = [
  {
    metadata: { name: 'web-1', ownerReferences: [{ controller: true, uid: 'd-1' }] },
    spec: {
      replicas: 1,
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': '1' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
    },
    status: { replicas: 1 },
  },
  {
    metadata: { name: 'web-0', ownerReferences: [{ controller: true, uid: 'd-1' }] },
    spec: {
      replicas: 0,
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': '0' } }, spec: { containers: [{ name: 'web', image: 'web:0' }] } },
    },
    status: { replicas: 0 },
  },
  {
    metadata: { name: 'web-2', ownerReferences: [{ controller: true, uid: 'd-1' }] },
    spec: {
      replicas: 2,
      template: { metadata: { labels: { app: 'web', 'pod-template-hash': '2' } }, spec: { containers: [{ name: 'web', image: 'web:2' }] } },
    },
    status: { replicas: 1 },
  },
];
const env: DescribeEnv = {
  controlled: async (resource, o) =>
    (resource === 'pods' ? pods : replicaSets).filter((p) => p.metadata.ownerReferences.some((r: Obj) => r.uid === o.metadata?.uid)),
  podsUsingClaim: async (_ns, claim) => pods.filter((p) => (p.spec?.volumes ?? []).some((v: Obj) => v.persistentVolumeClaim?.claimName === claim)),
};

async function describe(apiVersion: string, kind: string, o: Obj): Promise<string> {
  const w = new Lines();
  await describerFor(findResourceByKind(apiVersion, kind)!)(w, o, env);
  return tabbed(w.toString());
}

const template = {
  metadata: { labels: { app: 'db' } },
  spec: { containers: [{ name: 'db', image: 'postgres:16', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] },
};

test("tabwriter aligns each run of lines that share a column, as Go's tabwriter does", () => {
  assert.equal(tabbed('Name:\tweb\nReplicas:\t3\nPod Template:\n  Labels:\tapp=web\n'), 'Name:      web\nReplicas:  3\nPod Template:\n  Labels:  app=web\n');
  assert.equal(tabbed('a:\tb\n\tc\nlong title:\td\n'), 'a:           b\n             c\nlong title:  d\n');
});

test('describe statefulset: replicas, update strategy with partition, pods status, template, volume claims', async () => {
  const out = await describe('apps/v1', 'StatefulSet', {
    metadata: { name: 'db', namespace: 'default', uid: 'sts-1', creationTimestamp: '2026-12-07T01:00:00Z' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'db' } },
      serviceName: 'db',
      template,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
    status: { replicas: 2 },
  });
  assert.match(out, /^Name:\s+db\nNamespace:\s+default\nCreationTimestamp:\s+Mon, 07 Dec 2026 01:00:00 \+0000\nSelector:\s+app=db\n/);
  assert.match(
    out,
    /\nReplicas:\s+3 desired \| 2 total\nUpdate Strategy:\s+RollingUpdate\n  Partition:\s+1\nPods Status:\s+1 Running \/ 1 Waiting \/ 0 Succeeded \/ 0 Failed\nPod Template:\n/,
  );
  assert.match(out, /\n    Image:\s+postgres:16\n/);
  assert.match(out, /\n    Mounts:\n      \/var\/lib\/postgresql from data \(rw\)\n/);
  assert.match(
    out,
    /\nVolume Claims:\n  Name:\s+data\n  StorageClass:\s*\n  Labels:\s+<none>\n  Annotations:\s+<none>\n  Capacity:\s+1Gi\n  Access Modes:\s+\[ReadWriteOnce\]\n$/,
  );
});

test('describe daemonset: node counts as kubectl prints them', async () => {
  const out = await describe('apps/v1', 'DaemonSet', {
    metadata: { name: 'agent', namespace: 'kube-system', uid: 'ds-1' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { ...template, spec: { ...template.spec, nodeSelector: { role: 'edge' } } } },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 1, numberMisscheduled: 0 },
  });
  assert.match(out, /^Name:\s+agent\nNamespace:\s+kube-system\nSelector:\s+app=agent\nNode-Selector:\s+role=edge\n/);
  assert.match(
    out,
    /\nDesired Number of Nodes Scheduled: 3\nCurrent Number of Nodes Scheduled: 3\nNumber of Nodes Scheduled with Up-to-date Pods: 2\nNumber of Nodes Scheduled with Available Pods: 1\nNumber of Nodes Misscheduled: 0\nPods Status:\s+0 Running/,
  );
  assert.match(out, /\n  Node-Selectors:\s+role=edge\n/);
});

test('describe job and cronjob: completions, pods statuses, schedule, job template, active jobs', async () => {
  const job = await describe('batch/v1', 'Job', {
    metadata: { name: 'pi', namespace: 'default', ownerReferences: [{ kind: 'CronJob', name: 'tick', controller: true }] },
    spec: { parallelism: 1, completions: 1, backoffLimit: 6, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } }, template },
    status: { startTime: '2026-12-07T01:00:00Z', completionTime: '2026-12-07T01:00:05Z', succeeded: 1 },
  });
  assert.match(
    job,
    /\nControlled By:\s+CronJob\/tick\nParallelism:\s+1\nCompletions:\s+1\nBackoff Limit:\s+6\nStart Time:\s+Mon, 07 Dec 2026 01:00:00 \+0000\nCompleted At:\s+Mon, 07 Dec 2026 01:00:05 \+0000\nDuration:\s+5s\nPods Statuses:\s+0 Active \/ 1 Succeeded \/ 0 Failed\nPod Template:\n/,
  );
  const cj = await describe('batch/v1', 'CronJob', {
    metadata: { name: 'tick', namespace: 'default' },
    spec: { schedule: '*/1 * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, jobTemplate: { spec: { template } } },
    status: { active: [{ name: 'tick-1' }, { name: 'tick-2' }] },
  });
  assert.match(
    cj,
    /\nSchedule:\s+\*\/1 \* \* \* \*\nConcurrency Policy:\s+Allow\nSuspend:\s+false\nSuccessful Job History Limit:\s+3\nFailed Job History Limit:\s+<unset>\nStarting Deadline Seconds:\s+<unset>\nSelector:\s+<unset>\nParallelism:\s+<unset>\nCompletions:\s+<unset>\nPod Template:\n/,
  );
  assert.match(cj, /\nLast Schedule Time:\s+<unset>\nActive Jobs:\s+tick-1, tick-2\n$/);
});

test("describe storageclass, claim and volume in kubectl's words", async () => {
  const sc = await describe('storage.k8s.io/v1', 'StorageClass', {
    metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'skiff.io/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
  assert.equal(
    sc,
    [
      'Name:                  local-path',
      'IsDefaultClass:        Yes',
      'Annotations:           storageclass.kubernetes.io/is-default-class=true',
      'Provisioner:           skiff.io/local-path',
      'Parameters:            <none>',
      'AllowVolumeExpansion:  <unset>',
      'MountOptions:          <none>',
      'ReclaimPolicy:         Delete',
      'VolumeBindingMode:     WaitForFirstConsumer',
      '',
    ].join('\n'),
  );
  const pvc = await describe('v1', 'PersistentVolumeClaim', {
    metadata: { name: 'data-db-0', namespace: 'default', finalizers: ['kubernetes.io/pvc-protection'] },
    spec: { storageClassName: 'local-path', volumeName: 'pv-1', accessModes: ['ReadWriteOnce'] },
    status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] },
  });
  assert.match(pvc, /\nStorageClass:\s+local-path\nStatus:\s+Bound\nVolume:\s+pv-1\n/);
  assert.match(pvc, /\nFinalizers:\s+\[kubernetes\.io\/pvc-protection\]\nCapacity:\s+1Gi\nAccess Modes:\s+RWO\nUsed By:\s+db-0\n$/);
  const pv = await describe('v1', 'PersistentVolume', {
    metadata: { name: 'pv-1' },
    spec: {
      storageClassName: 'local-path',
      claimRef: { namespace: 'default', name: 'data-db-0' },
      persistentVolumeReclaimPolicy: 'Delete',
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: '1Gi' },
      hostPath: { path: '/var/lib/skiff/pv-1' },
    },
    status: { phase: 'Bound' },
  });
  assert.match(
    pv,
    /\nClaim:\s+default\/data-db-0\nReclaim Policy:\s+Delete\nAccess Modes:\s+RWO\nCapacity:\s+1Gi\nNode Affinity:\s+<none>\nMessage:\s*\nSource:\n    Type:\s+HostPath \(bare host directory volume\)\n    Path:\s+\/var\/lib\/skiff\/pv-1\n/,
  );
});

test('describe pod: containers with their state, a conditions table without a rule line, claim volumes', async () => {
  const out = await describe('v1', 'Pod', {
    metadata: { name: 'db-0', namespace: 'default', ownerReferences: [{ kind: 'StatefulSet', name: 'db', controller: true }] },
    spec: { nodeName: 'n1', containers: [{ name: 'db', image: 'pg:1' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }] },
    status: {
      phase: 'Running',
      hostIP: '10.0.0.1',
      containerStatuses: [{ name: 'db', ready: true, restartCount: 0, state: { running: {} } }],
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  });
  assert.match(out, /\nControlled By:\s+StatefulSet\/db\nContainers:\n  db:\n    Container ID:\s*\n    Image:\s+pg:1\n/);
  assert.match(out, /\n    State:\s+Running\n    Ready:\s+True\n    Restart Count:\s+0\n/);
  assert.match(
    out,
    /\nConditions:\n  Type\s+Status\n  Ready\s+True \nVolumes:\n  data:\n    Type:\s+PersistentVolumeClaim \(a reference to a PersistentVolumeClaim in the same namespace\)\n    ClaimName:\s+data-db-0\n/,
  );
});

test('describe deployment: old replica sets that still have pods, and the one running its template', async () => {
  const out = await describe('apps/v1', 'Deployment', {
    metadata: { name: 'web', namespace: 'default', uid: 'd-1' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:2' }] } },
    },
  });
  assert.match(out, /\nOldReplicaSets:\s+web-1 \(1\/1 replicas created\)\nNewReplicaSet:\s+web-2 \(1\/2 replicas created\)\n/);
});
