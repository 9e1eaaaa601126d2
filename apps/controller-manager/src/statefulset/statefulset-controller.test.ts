import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from '@skiff/api';
import { StatefulSetSyncer } from './statefulset-controller.ts';
import { FakeWorld } from './fake-world.ts';

function newSet(
  opts: { replicas?: number; image?: string; parallel?: boolean; partition?: number; claims?: boolean; retain?: 'Retain' | 'Delete' } = {},
): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: opts.replicas ?? 3,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'web' } },
      podManagementPolicy: opts.parallel ? 'Parallel' : 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: opts.partition ?? 0 } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: opts.image ?? 'nginx:1' }] } },
      ...(opts.claims
        ? {
            volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
            persistentVolumeClaimRetentionPolicy: { whenDeleted: opts.retain ?? 'Retain', whenScaled: opts.retain ?? 'Retain' },
          }
        : {}),
    },
  };
}

function setup(set: StatefulSet) {
  const world = new FakeWorld();
  world.add('StatefulSet', set);
  const syncer = new StatefulSetSyncer({
    client: world.client,
    recorder: world.recorder,
    now: () => world.now,
    sets: world.cache<StatefulSet>('StatefulSet'),
    pods: world.cache<Pod>('Pod'),
    revisions: world.cache<ControllerRevision>('ControllerRevision'),
    claims: world.cache<PersistentVolumeClaim>('PersistentVolumeClaim'),
  });
  const sync = () => syncer.sync('default/web');
  const current = () => world.cache<StatefulSet>('StatefulSet').get('default', 'web')!;
  return { world, sync, current };
}

const pod = (world: FakeWorld, name: string) => world.cache<Pod>('Pod').get('default', name)!;

test('OrderedReady: one pod per pass, each only once its predecessor is Running and Ready', async () => {
  const { world, sync, current } = setup(newSet());
  await sync();
  assert.deepEqual(world.podNames(), ['web-0']);
  await sync();
  assert.deepEqual(world.podNames(), ['web-0'], 'web-0 not ready yet: wait');
  world.runPods();
  await sync();
  assert.deepEqual(world.podNames(), ['web-0', 'web-1']);
  world.runPods();
  await sync();
  assert.deepEqual(world.podNames(), ['web-0', 'web-1', 'web-2']);
  const p = pod(world, 'web-1');
  assert.equal(p.spec?.hostname, 'web-1');
  assert.equal(p.spec?.subdomain, 'nginx');
  assert.equal(p.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'web-1');
  assert.equal(p.metadata?.labels?.['apps.kubernetes.io/pod-index'], '1');
  assert.equal(p.metadata?.ownerReferences?.[0]?.kind, 'StatefulSet');
  const revisions = world.cache<ControllerRevision>('ControllerRevision').list('default');
  assert.equal(revisions.length, 1);
  assert.equal(p.metadata?.labels?.['controller-revision-hash'], revisions[0].metadata?.name);
  assert.equal(revisions[0].revision, 1);
  const status = current().status!;
  assert.equal(status.replicas, 2, 'status is what the pass saw, before it created web-2');
  assert.equal(status.readyReplicas, 2);
  world.runPods();
  await sync();
  assert.deepEqual(
    { ...current().status, conditions: undefined },
    {
      observedGeneration: 1,
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: revisions[0].metadata?.name,
      updateRevision: revisions[0].metadata?.name,
      collisionCount: 0,
      conditions: undefined,
    },
  );
  assert.ok(world.takeEvents().includes('SuccessfulCreate: create Pod web-0 in StatefulSet web successful'));
});

test('Parallel creates every ordinal at once', async () => {
  const { world, sync } = setup(newSet({ parallel: true }));
  await sync();
  assert.deepEqual(world.podNames(), ['web-0', 'web-1', 'web-2']);
});

test('scale down: highest ordinal first, one at a time, waiting for termination', async () => {
  const { world, sync } = setup(newSet({ replicas: 3, parallel: true }));
  await sync();
  world.runPods();
  world.edit<StatefulSet>('StatefulSet', 'default', 'web', (s) => {
    s.spec!.replicas = 1;
    s.spec!.podManagementPolicy = 'OrderedReady';
  });
  world.graceful = true;
  await sync();
  assert.deepEqual(world.podNames(), ['web-0', 'web-1']);
  await sync();
  assert.deepEqual(world.podNames(), ['web-0', 'web-1'], 'web-2 still terminating: wait');
  world.finishDeletions();
  await sync();
  assert.deepEqual(world.podNames(), ['web-0']);
});

test('volumeClaimTemplates: a claim per pod, made before it, kept on scale-down', async () => {
  const { world, sync } = setup(newSet({ replicas: 2, parallel: true, claims: true }));
  await sync();
  const actions = world.takeActions().filter((a) => a.startsWith('create'));
  assert.deepEqual(actions, [
    'create controllerrevisions/' + world.cache<ControllerRevision>('ControllerRevision').list()[0].metadata?.name,
    'create persistentvolumeclaims/www-web-0',
    'create pods/web-0',
    'create persistentvolumeclaims/www-web-1',
    'create pods/web-1',
  ]);
  const claim = world.cache<PersistentVolumeClaim>('PersistentVolumeClaim').get('default', 'www-web-0')!;
  assert.deepEqual(claim.metadata?.labels, { app: 'web' });
  assert.equal(claim.metadata?.ownerReferences, undefined, 'Retain: not owned');
  assert.deepEqual(pod(world, 'web-0').spec?.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } }]);
  world.runPods();
  world.edit<StatefulSet>('StatefulSet', 'default', 'web', (s) => void (s.spec!.replicas = 1));
  await sync();
  assert.deepEqual(world.podNames(), ['web-0']);
  assert.equal(world.cache('PersistentVolumeClaim').list().length, 2, 'claims are retained');
});

test('retention policy Delete: the set owns its claims, and a condemned pod owns its claims before it goes', async () => {
  const { world, sync } = setup(newSet({ replicas: 2, parallel: true, claims: true, retain: 'Delete' }));
  await sync();
  const claim = world.cache<PersistentVolumeClaim>('PersistentVolumeClaim').get('default', 'www-web-1')!;
  assert.equal(claim.metadata?.ownerReferences?.[0]?.kind, 'StatefulSet');
  world.runPods();
  const uid = pod(world, 'web-1').metadata?.uid;
  world.edit<StatefulSet>('StatefulSet', 'default', 'web', (s) => void (s.spec!.replicas = 1));
  await sync();
  const refs = world.cache<PersistentVolumeClaim>('PersistentVolumeClaim').get('default', 'www-web-1')!.metadata?.ownerReferences ?? [];
  assert.deepEqual(refs.map((r) => `${r.kind}/${r.uid}`).sort(), ['Pod/' + uid, 'StatefulSet/' + claim.metadata?.ownerReferences?.[0]?.uid].sort());
});

test('rolling update: reverse ordinal order, honouring the partition; then the update revision becomes current', async () => {
  const { world, sync, current } = setup(newSet({ replicas: 3, parallel: true, partition: 1 }));
  await sync();
  world.runPods();
  await sync();
  const first = current().status!.currentRevision;
  world.edit<StatefulSet>('StatefulSet', 'default', 'web', (s) => void (s.spec!.template!.spec!.containers[0].image = 'nginx:2'));
  world.takeActions();
  await sync();
  assert.deepEqual(
    world.takeActions().filter((a) => a.startsWith('delete')),
    ['delete pods/web-2'],
  );
  await sync();
  assert.equal(pod(world, 'web-2').spec?.containers[0].image, 'nginx:2', 'recreated at the update revision');
  assert.deepEqual(
    world.takeActions().filter((a) => a.startsWith('delete')),
    [],
    'web-2 not ready yet: no more deletions',
  );
  world.runPods();
  await sync();
  assert.deepEqual(
    world.takeActions().filter((a) => a.startsWith('delete')),
    ['delete pods/web-1'],
  );
  await sync();
  world.runPods();
  await sync();
  assert.deepEqual(
    world.takeActions().filter((a) => a.startsWith('delete')),
    [],
    'web-0 is below the partition',
  );
  assert.equal(pod(world, 'web-0').spec?.containers[0].image, 'nginx:1');
  const status = current().status!;
  assert.equal(status.updatedReplicas, 2);
  assert.equal(status.currentRevision, first, 'partitioned: not complete');
  assert.notEqual(status.updateRevision, first);
  world.edit<StatefulSet>('StatefulSet', 'default', 'web', (s) => void (s.spec!.updateStrategy!.rollingUpdate!.partition = 0));
  await sync();
  await sync();
  world.runPods();
  await sync();
  assert.equal(pod(world, 'web-0').spec?.containers[0].image, 'nginx:2');
  assert.equal(current().status!.currentRevision, current().status!.updateRevision);
  assert.equal(world.cache('ControllerRevision').list().length, 2);
});

test('a failed pod is deleted and recreated', async () => {
  const { world, sync } = setup(newSet({ replicas: 1 }));
  await sync();
  world.setPodPhase('default', 'web-0', 'Failed');
  world.takeEvents();
  await sync();
  assert.deepEqual(world.podNames(), []);
  assert.deepEqual(
    world.takeEvents().filter((e) => e.startsWith('Recreating')),
    ['RecreatingFailedPod: StatefulSet default/web is recreating failed Pod web-0'],
  );
  await sync();
  assert.deepEqual(world.podNames(), ['web-0']);
});

test('OnDelete leaves running pods alone; history is trimmed to revisionHistoryLimit', async () => {
  const set = newSet({ replicas: 1 });
  set.spec!.updateStrategy = { type: 'OnDelete' };
  set.spec!.revisionHistoryLimit = 1;
  const { world, sync } = setup(set);
  await sync();
  world.runPods();
  for (const image of ['nginx:2', 'nginx:3', 'nginx:4']) {
    world.edit<StatefulSet>('StatefulSet', 'default', 'web', (s) => void (s.spec!.template!.spec!.containers[0].image = image));
    await sync();
  }
  assert.equal(pod(world, 'web-0').spec?.containers[0].image, 'nginx:1');
  // Kept: the pod's (current) revision, the update revision, and one more unused.
  const revisions = world
    .cache<ControllerRevision>('ControllerRevision')
    .list()
    .map((r) => r.revision)
    .sort();
  assert.deepEqual(revisions, [1, 3, 4]);
});
