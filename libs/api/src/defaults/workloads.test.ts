import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaulted as defaultedAs } from './testing.ts';

const defaulted = (obj: any): any => defaultedAs('apps/v1', obj);

const template = { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } };

test('StatefulSet: SetDefaults_StatefulSet with the claim templates defaulted as claims', () => {
  const sts = defaulted({
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      selector: { matchLabels: { app: 'db' } },
      template,
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } } }],
    },
  });
  assert.equal(sts.spec.replicas, 1);
  assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal(sts.spec.revisionHistoryLimit, 10);
  assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(sts.spec.serviceName, '');
  assert.equal(sts.spec.template.spec.restartPolicy, 'Always');
  const claim = sts.spec.volumeClaimTemplates[0];
  assert.equal(claim.apiVersion, 'v1');
  assert.equal(claim.kind, 'PersistentVolumeClaim');
  assert.equal(claim.spec.volumeMode, 'Filesystem');
  assert.equal(claim.spec.resources.requests.storage, '1Gi');
  assert.deepEqual(claim.status, { phase: 'Pending' });
  assert.deepEqual(sts.status, { replicas: 0, availableReplicas: 0 });
});

test('StatefulSet: OnDelete gets no rollingUpdate, an explicit partition stays', () => {
  const onDelete = defaulted({ kind: 'StatefulSet', metadata: { name: 'db' }, spec: { updateStrategy: { type: 'OnDelete' }, template } });
  assert.deepEqual(onDelete.spec.updateStrategy, { type: 'OnDelete' });
  const empty = defaulted({ kind: 'StatefulSet', metadata: { name: 'db' }, spec: { podManagementPolicy: '', template } });
  assert.equal(empty.spec.podManagementPolicy, 'OrderedReady');
  const partitioned = defaulted({
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, template },
  });
  assert.deepEqual(partitioned.spec.updateStrategy.rollingUpdate, { partition: 2 });
});

test('DaemonSet: one node at a time, no surge, and the counts Go always writes', () => {
  const ds = defaulted({ kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'db' } }, template } });
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec.revisionHistoryLimit, 10);
  assert.deepEqual(ds.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  const surge = defaulted({
    kind: 'DaemonSet',
    metadata: { name: 'a' },
    spec: { updateStrategy: { rollingUpdate: { maxSurge: '10%', maxUnavailable: 0 } }, template },
  });
  assert.deepEqual(surge.spec.updateStrategy.rollingUpdate, { maxSurge: '10%', maxUnavailable: 0 });
});
