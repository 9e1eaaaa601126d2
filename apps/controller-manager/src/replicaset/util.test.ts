import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ReplicaSet } from '@skiff/api';
import { comparePodsForDeletion, computeReplicaSetStatus, getPodsToDelete, nextAvailableCheckMs, slowStartBatch, statusEquals } from './util.ts';

const NOW = Date.parse('2024-01-01T01:00:00Z');

interface PodSpec {
  node?: string;
  phase?: string;
  readySince?: string;
  restarts?: number;
  created?: string;
  cost?: string;
  labels?: Record<string, string>;
}

function pod(name: string, s: PodSpec = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      labels: s.labels ?? { app: 'web' },
      creationTimestamp: s.created ?? '2024-01-01T00:00:00Z',
      ...(s.cost ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': s.cost } } : {}),
    },
    spec: { containers: [], ...(s.node ? { nodeName: s.node } : {}) },
    status: {
      phase: s.phase ?? 'Running',
      conditions: s.readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: s.readySince }] : [],
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: Boolean(s.readySince), restartCount: s.restarts ?? 0 }],
    },
  };
}

const ready = '2024-01-01T00:00:00Z';
const rankingCases: { name: string; first: Pod; second: Pod; firstRank?: number; secondRank?: number }[] = [
  { name: 'unscheduled before scheduled', first: pod('a', { phase: 'Running', readySince: ready }), second: pod('b', { node: 'n1', phase: 'Pending' }) },
  { name: 'Pending before Unknown', first: pod('a', { node: 'n1', phase: 'Pending' }), second: pod('b', { node: 'n1', phase: 'Unknown' }) },
  { name: 'Unknown before Running', first: pod('a', { node: 'n1', phase: 'Unknown' }), second: pod('b', { node: 'n1', phase: 'Running' }) },
  { name: 'not ready before ready', first: pod('a', { node: 'n1' }), second: pod('b', { node: 'n1', readySince: ready }) },
  { name: 'lower deletion cost first', first: pod('a', { node: 'n1', readySince: ready, cost: '-5' }), second: pod('b', { node: 'n1', readySince: ready }) },
  {
    name: 'doubled-up node first',
    first: pod('a', { node: 'n1', readySince: ready }),
    second: pod('b', { node: 'n2', readySince: ready }),
    firstRank: 3,
    secondRank: 1,
  },
  {
    name: 'ready more recently first',
    first: pod('a', { node: 'n1', readySince: '2024-01-01T00:59:50Z' }),
    second: pod('b', { node: 'n1', readySince: '2024-01-01T00:00:00Z' }),
  },
  {
    name: 'more restarts first',
    first: pod('a', { node: 'n1', readySince: ready, restarts: 4 }),
    second: pod('b', { node: 'n1', readySince: ready, restarts: 1 }),
  },
  {
    name: 'newer first',
    first: pod('a', { node: 'n1', readySince: ready, created: '2024-01-01T00:59:00Z' }),
    second: pod('b', { node: 'n1', readySince: ready, created: '2024-01-01T00:00:00Z' }),
  },
];

for (const c of rankingCases) {
  test(`deletion ranking: ${c.name}`, () => {
    const a = { pod: c.first, rank: c.firstRank ?? 0 };
    const b = { pod: c.second, rank: c.secondRank ?? 0 };
    assert.ok(comparePodsForDeletion(a, b, NOW) < 0, 'first sorts before second');
    assert.ok(comparePodsForDeletion(b, a, NOW) > 0, 'and not the other way round');
  });
}

test('deletion ranking: creation times in the same log2 bucket tie, broken by UID', () => {
  const a = { pod: pod('b', { node: 'n1', created: '2024-01-01T00:59:56Z' }), rank: 0 };
  const b = { pod: pod('a', { node: 'n1', created: '2024-01-01T00:59:57Z' }), rank: 0 };
  // Ages 4 s and 3 s: 2^31.9 and 2^31.5 ns, the same bucket, so uid-a goes first.
  assert.ok(comparePodsForDeletion(b, a, NOW) < 0);
});

test('getPodsToDelete picks pods crowded with their siblings on a node', () => {
  const pods = [pod('alone', { node: 'n1', readySince: ready }), pod('crowded', { node: 'n2', readySince: ready })];
  const related = [...pods, pod('sibling1', { node: 'n2' }), pod('sibling2', { node: 'n2' })];
  assert.deepEqual(
    getPodsToDelete(pods, related, 1, NOW).map((p) => p.metadata?.name),
    ['crowded'],
  );
  assert.equal(getPodsToDelete(pods, related, 5, NOW).length, 2);
});

test('slowStartBatch: 1, 2, 4, ... and stops after the first failing batch', async () => {
  let calls = 0;
  const all = await slowStartBatch(10, 1, async () => void calls++);
  assert.deepEqual(all, { successes: 10 });
  assert.equal(calls, 10);

  const batches: number[] = [];
  let inFlight = 0;
  let n = 0;
  const result = await slowStartBatch(20, 1, async () => {
    inFlight++;
    const me = ++n;
    await new Promise((r) => setImmediate(r));
    if (batches.length === 0 || inFlight > batches[batches.length - 1]) batches.push(inFlight);
    inFlight--;
    if (me === 5) throw new Error('quota');
  });
  // batches 1, 2, 4: the 5th call is in the batch of 4, which fails; 8 and later never run.
  assert.equal(n, 7);
  assert.equal(result.successes, 6);
  assert.match(String(result.error), /quota/);
  assert.deepEqual(await slowStartBatch(0, 1, async () => assert.fail('not called')), { successes: 0 });
});

function rs(over: Partial<ReplicaSet['spec']> = {}, status?: ReplicaSet['status']): ReplicaSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'rs-1', generation: 3 },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web', tier: 'fe' } } }, ...over },
    ...(status ? { status } : {}),
  };
}

test('computeReplicaSetStatus counts labelled, ready and available pods', () => {
  const now = new Date(NOW);
  const pods = [
    pod('a', { labels: { app: 'web', tier: 'fe' }, readySince: '2024-01-01T00:59:55Z' }),
    pod('b', { labels: { app: 'web', tier: 'fe' }, readySince: '2024-01-01T00:00:00Z' }),
    pod('c', { labels: { app: 'web' } }),
  ];
  const status = computeReplicaSetStatus(rs({ minReadySeconds: 10 }), pods, undefined, 0, now);
  assert.deepEqual(status, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 3 });
  assert.equal(nextAvailableCheckMs(pods, 10, now), 5001);
  assert.equal(nextAvailableCheckMs(pods, 0, now), undefined);
});

test('computeReplicaSetStatus adds ReplicaFailure on errors and removes it after', () => {
  const now = new Date(NOW);
  const failed = computeReplicaSetStatus(rs(), [], new Error('quota exceeded'), -3, now);
  assert.equal(failed.conditions?.length, 1);
  assert.equal(failed.conditions?.[0].reason, 'FailedCreate');
  assert.equal(failed.conditions?.[0].message, 'quota exceeded');
  assert.equal(computeReplicaSetStatus(rs(), [pod('a')], new Error('x'), 1, now).conditions?.[0].reason, 'FailedDelete');
  const healed = computeReplicaSetStatus(rs({}, failed), [], undefined, -3, now);
  assert.equal(healed.conditions, undefined);
});

test('statusEquals treats absent counts as zero and needs observedGeneration caught up', () => {
  const next = { replicas: 0, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 2 };
  assert.equal(statusEquals({ replicas: 0, observedGeneration: 2 }, next), true);
  assert.equal(statusEquals({ replicas: 0, observedGeneration: 1 }, next), false);
  assert.equal(statusEquals(undefined, { ...next, observedGeneration: undefined }), true);
  assert.equal(statusEquals({ replicas: 1, observedGeneration: 2 }, next), false);
});
