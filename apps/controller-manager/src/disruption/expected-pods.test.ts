import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { InformerCache } from '@skiff/client';
import { firstFinder, workloadFinders } from './controller-finders.ts';
import { getExpectedPodCount, scaledValue, type ScaleFinder } from './expected-pods.ts';

function pod(name: string, owner?: { kind: string; name: string; uid: string; apiVersion?: string }): Pod {
  return {
    metadata: {
      name,
      namespace: 'a',
      labels: { app: 'web' },
      ownerReferences: owner
        ? [{ apiVersion: owner.apiVersion ?? 'apps/v1', kind: owner.kind, name: owner.name, uid: owner.uid, controller: true }]
        : undefined,
    },
  };
}

function cache<T extends object>(...objs: T[]): InformerCache<any> {
  const c = new InformerCache<any>();
  for (const o of objs) c.upsert(o as any);
  return c;
}

const rsOfDeployment = {
  metadata: {
    name: 'web-1',
    namespace: 'a',
    uid: 'rs1',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }],
  },
  spec: { replicas: 3 },
};
const bareRs = { metadata: { name: 'solo', namespace: 'a', uid: 'rs2' }, spec: { replicas: 2 } };
const finders = firstFinder(
  workloadFinders({
    replicaSets: cache(rsOfDeployment, bareRs),
    deployments: cache({ metadata: { name: 'web', namespace: 'a', uid: 'd1' }, spec: { replicas: 4 } }),
    statefulSets: cache({ metadata: { name: 'db', namespace: 'a', uid: 's1' }, spec: { replicas: 5 } }),
    replicationControllers: cache({ metadata: { name: 'old', namespace: 'a', uid: 'rc1' }, spec: { replicas: 6 } }),
  }),
);
const deploymentPods = [
  pod('w1', { kind: 'ReplicaSet', name: 'web-1', uid: 'rs1' }),
  pod('w2', { kind: 'ReplicaSet', name: 'web-1', uid: 'rs1' }),
  pod('w3', { kind: 'ReplicaSet', name: 'web-1', uid: 'rs1' }),
];

test('scaledValue rounds percentages up (GetScaledValueFromIntOrPercent with roundUp)', () => {
  const cases: [number | string, number, number][] = [
    [2, 10, 2],
    ['50%', 3, 2],
    ['34%', 3, 2],
    ['33%', 3, 1],
    ['0%', 3, 0],
    ['100%', 3, 3],
    ['10%', 0, 0],
  ];
  for (const [value, total, want] of cases) assert.equal(scaledValue(value, total, true), want, `${value} of ${total}`);
  assert.equal(scaledValue('50%', 3, false), 1);
});

test("minAvailable as an integer counts selected pods; percentages and maxUnavailable count the controllers' scale", async () => {
  // The Deployment says 4 even though 3 pods exist: the scale is what is expected.
  assert.deepEqual(await getExpectedPodCount({ minAvailable: 2 }, deploymentPods, finders), { expectedCount: 3, desiredHealthy: 2, unmanagedPods: [] });
  assert.deepEqual(await getExpectedPodCount({ minAvailable: '50%' }, deploymentPods, finders), { expectedCount: 4, desiredHealthy: 2, unmanagedPods: [] });
  assert.deepEqual(await getExpectedPodCount({ maxUnavailable: 1 }, deploymentPods, finders), { expectedCount: 4, desiredHealthy: 3, unmanagedPods: [] });
  assert.deepEqual(await getExpectedPodCount({ maxUnavailable: '30%' }, deploymentPods, finders), { expectedCount: 4, desiredHealthy: 2, unmanagedPods: [] });
  assert.deepEqual(await getExpectedPodCount({ maxUnavailable: 9 }, deploymentPods, finders), { expectedCount: 4, desiredHealthy: 0, unmanagedPods: [] });
  assert.deepEqual(await getExpectedPodCount({}, deploymentPods, finders), { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] });
});

test('each controller is counted once, whatever its kind; unmanaged pods are reported, unknown controllers are errors', async () => {
  const mixed = [
    ...deploymentPods,
    pod('s0', { kind: 'StatefulSet', name: 'db', uid: 's1' }),
    pod('r0', { kind: 'ReplicationController', name: 'old', uid: 'rc1', apiVersion: 'v1' }),
    pod('x0', { kind: 'ReplicaSet', name: 'solo', uid: 'rs2' }),
    pod('loose'),
  ];
  assert.deepEqual(await getExpectedPodCount({ maxUnavailable: 0 }, mixed, finders), {
    expectedCount: 4 + 5 + 6 + 2,
    desiredHealthy: 17,
    unmanagedPods: ['loose'],
  });
  // Same name, another object (UID differs): not its controller.
  const stale = [pod('w9', { kind: 'ReplicaSet', name: 'web-1', uid: 'gone' })];
  await assert.rejects(getExpectedPodCount({ maxUnavailable: 1 }, stale, finders), { message: 'found no controllers for pod "w9"' });
  const custom: ScaleFinder = async (ref) => (ref.kind === 'Shard' ? { uid: ref.uid, scale: 7 } : undefined);
  const crPods = [pod('c0', { kind: 'Shard', name: 'sh', uid: 'cr1', apiVersion: 'example.com/v1' })];
  assert.deepEqual(await getExpectedPodCount({ minAvailable: '100%' }, crPods, firstFinder([finders, custom])), {
    expectedCount: 7,
    desiredHealthy: 7,
    unmanagedPods: [],
  });
});
