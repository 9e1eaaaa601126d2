import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, PodTemplateSpec, ReplicaSet } from '@skiff/api';
import {
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  computeTemplateHash,
  equalIgnoreHash,
  fnv32a,
  lastRevision,
  maxSurgeOf,
  maxUnavailableOf,
  newReplicaSetReplicas,
  resolveFenceposts,
  scaledValueFromIntOrPercent,
  setNewReplicaSetAnnotations,
} from './util.ts';
import { computeProportionalSizes } from './sync.ts';
import { maxScaledDown } from './rolling.ts';

const template = (image: string): PodTemplateSpec => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image }] },
});

function deployment(replicas: number, maxSurge: number | string, maxUnavailable: number | string, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'd-uid', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: template('nginx:1'),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
      ...extra,
    },
  };
}

function rs(name: string, replicas: number, opts: { max?: number; created?: string; available?: number; revision?: number } = {}): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (opts.max !== undefined) annotations['deployment.kubernetes.io/max-replicas'] = String(opts.max);
  if (opts.revision !== undefined) annotations[REVISION_ANNOTATION] = String(opts.revision);
  return {
    metadata: { name, namespace: 'default', uid: `${name}-uid`, creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z', annotations },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template(name) },
    status: { replicas, availableReplicas: opts.available ?? replicas },
  };
}

test('scaledValueFromIntOrPercent: ints as is, percentages rounded as asked, garbage rejected', () => {
  const cases: [number | string, number, boolean, number][] = [
    [2, 10, true, 2],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['0%', 10, true, 0],
    ['100%', 3, false, 3],
    ['33%', 3, true, 1],
    ['33%', 3, false, 0],
  ];
  for (const [value, total, up, want] of cases) assert.equal(scaledValueFromIntOrPercent(value, total, up), want, `${value} of ${total}`);
  assert.throws(() => scaledValueFromIntOrPercent('25', 10, true), /invalid value/);
  assert.throws(() => scaledValueFromIntOrPercent('x%', 10, true), /invalid value/);
});

test('resolveFenceposts: surge rounds up, unavailable down, both zero → unavailable 1', () => {
  const cases: [number | string, number | string, number, number, number][] = [
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 3, 1, 0],
    ['25%', '25%', 1, 1, 0],
    [1, 0, 3, 1, 0],
    [0, 0, 3, 0, 1],
    [0, '10%', 1, 0, 1],
    ['50%', '50%', 5, 3, 2],
    [0, 2, 10, 0, 2],
  ];
  for (const [surge, unavailable, desired, wantSurge, wantUnavailable] of cases) {
    assert.deepEqual(
      resolveFenceposts(surge, unavailable, desired),
      { surge: wantSurge, unavailable: wantUnavailable },
      `${surge}/${unavailable} of ${desired}`,
    );
  }
});

test('maxSurgeOf / maxUnavailableOf: Recreate has neither; unavailable capped at replicas', () => {
  assert.equal(maxSurgeOf(deployment(10, '25%', '25%')), 3);
  assert.equal(maxUnavailableOf(deployment(10, '25%', '25%')), 2);
  assert.equal(maxUnavailableOf(deployment(2, 0, 5)), 2);
  assert.equal(maxUnavailableOf(deployment(0, 1, 1)), 0);
  const recreate = deployment(3, 1, 1, { strategy: { type: 'Recreate' } });
  assert.equal(maxSurgeOf(recreate), 0);
  assert.equal(maxUnavailableOf(recreate), 0);
});

test('computeTemplateHash: stable for equal templates, differs for image or collisionCount, kube alphabet', () => {
  const a = computeTemplateHash(template('nginx:1'));
  assert.equal(a, computeTemplateHash(structuredClone(template('nginx:1'))));
  // Key order does not matter: the JSON is canonical.
  const reordered: PodTemplateSpec = { spec: { containers: [{ image: 'nginx:1', name: 'web' }] }, metadata: { labels: { app: 'web' } } };
  assert.equal(computeTemplateHash(reordered), a);
  assert.notEqual(computeTemplateHash(template('nginx:2')), a);
  assert.notEqual(computeTemplateHash(template('nginx:1'), 1), a);
  assert.notEqual(computeTemplateHash(template('nginx:1'), 1), computeTemplateHash(template('nginx:1'), 2));
  assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
});

test('fnv32a: the reference vectors', () => {
  assert.equal(fnv32a(new TextEncoder().encode('')), 0x811c9dc5);
  assert.equal(fnv32a(new TextEncoder().encode('a')), 0xe40c292c);
  assert.equal(fnv32a(new TextEncoder().encode('foobar')), 0xbf9cf968);
});

test('equalIgnoreHash ignores only the pod-template-hash label', () => {
  const withHash = template('nginx:1');
  withHash.metadata!.labels!['pod-template-hash'] = 'abc';
  assert.ok(equalIgnoreHash(withHash, template('nginx:1')));
  assert.ok(!equalIgnoreHash(withHash, template('nginx:2')));
  // What kubectl rollout undo writes back: nulls and empty structs are not differences.
  const undone = {
    metadata: { creationTimestamp: null, labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1', resources: {} }], volumes: [] },
  } as unknown as PodTemplateSpec;
  assert.ok(equalIgnoreHash(undone, template('nginx:1')));
  assert.equal(computeTemplateHash(undone), computeTemplateHash(template('nginx:1')));
  const noLabels: PodTemplateSpec = { spec: { containers: [] } };
  assert.ok(equalIgnoreHash({ metadata: { labels: { 'pod-template-hash': 'x' } }, spec: { containers: [] } }, noLabels));
});

test('setNewReplicaSetAnnotations: revision numbering and history of an RS brought back', () => {
  const d = deployment(3, 1, 0);
  const fresh = rs('web-a', 0);
  assert.ok(setNewReplicaSetAnnotations(d, fresh, 1, false));
  assert.equal(fresh.metadata!.annotations![REVISION_ANNOTATION], '1');
  assert.equal(fresh.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(fresh.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '4');
  assert.equal(fresh.metadata!.annotations![REVISION_HISTORY_ANNOTATION], undefined);
  // Already at the revision: nothing to do.
  assert.ok(!setNewReplicaSetAnnotations(d, fresh, 1, true));
  // Rolled back to: new number, old numbers remembered.
  assert.ok(setNewReplicaSetAnnotations(d, fresh, 3, true));
  assert.equal(fresh.metadata!.annotations![REVISION_ANNOTATION], '3');
  assert.equal(fresh.metadata!.annotations![REVISION_HISTORY_ANNOTATION], '1');
  setNewReplicaSetAnnotations(d, fresh, 5, true);
  assert.equal(fresh.metadata!.annotations![REVISION_HISTORY_ANNOTATION], '1,3');
  // User annotations travel; controller-owned ones do not.
  const annotated = deployment(3, 1, 0);
  annotated.metadata!.annotations = { 'kubernetes.io/change-cause': 'v2', [REVISION_ANNOTATION]: '9' };
  const target = rs('web-b', 0, { revision: 4 });
  setNewReplicaSetAnnotations(annotated, target, 4, true);
  assert.equal(target.metadata!.annotations!['kubernetes.io/change-cause'], 'v2');
  assert.equal(target.metadata!.annotations![REVISION_ANNOTATION], '4');
});

test('lastRevision is the second highest', () => {
  assert.equal(lastRevision([rs('a', 0, { revision: 1 }), rs('b', 0, { revision: 3 }), rs('c', 0, { revision: 2 })]), 2);
  assert.equal(lastRevision([rs('a', 0, { revision: 1 })]), 0);
  assert.equal(lastRevision([undefined, rs('b', 0, { revision: 5 }), rs('a', 0, { revision: 4 })]), 4);
});

test('newReplicaSetReplicas: never beyond replicas + maxSurge in total', () => {
  const cases: [string, Deployment, number[], number, number][] = [
    ['fresh, 25% surge', deployment(3, '25%', '25%'), [], 0, 3],
    ['surge 1 beside 3 old', deployment(3, 1, 0), [3], 0, 1],
    ['at the ceiling', deployment(3, 1, 0), [3], 1, 1],
    ['old went down', deployment(3, 1, 0), [2], 1, 2],
    ['surge 2, old 1', deployment(3, 2, 0), [1], 1, 3],
  ];
  for (const [name, d, olds, newSize, want] of cases) {
    const newRS = rs('new', newSize);
    const all = [...olds.map((n, i) => rs(`old${i}`, n)), newRS];
    assert.equal(newReplicaSetReplicas(d, all, newRS), want, name);
  }
  assert.equal(newReplicaSetReplicas(deployment(5, 1, 0, { strategy: { type: 'Recreate' } }), [rs('o', 5)], rs('n', 0)), 5);
});

test('maxScaledDown counts unavailable new pods against the budget', () => {
  const d = deployment(3, 1, 0);
  const newRS = rs('new', 1, { available: 0 });
  assert.equal(maxScaledDown([rs('old', 3), newRS], newRS, d), 0);
  const ready = rs('new', 1, { available: 1 });
  assert.equal(maxScaledDown([rs('old', 3), ready], ready, d), 1);
});

test('computeProportionalSizes: kube rounding, leftovers to the largest RS', () => {
  const cases: { name: string; d: Deployment; rss: ReplicaSet[]; want: Record<string, number> }[] = [
    {
      name: 'scale up 8 → 16 mid-rollout (surge 2 → 4)',
      d: deployment(16, '25%', 0, {}),
      rss: [rs('old', 5, { max: 10, created: '2026-01-01T00:00:00Z' }), rs('new', 3, { max: 10, created: '2026-01-02T00:00:00Z' })],
      want: { old: 14, new: 6 },
    },
    {
      name: 'scale down 10 → 5 (surge 25%: 13 → 7)',
      d: deployment(5, '25%', '25%'),
      rss: [rs('old', 7, { max: 13, created: '2026-01-01T00:00:00Z' }), rs('new', 6, { max: 13, created: '2026-01-02T00:00:00Z' })],
      want: { old: 4, new: 3 },
    },
    {
      name: 'scale to zero',
      d: deployment(0, 1, 0),
      rss: [rs('old', 2, { max: 4 }), rs('new', 2, { max: 4, created: '2026-01-02T00:00:00Z' })],
      want: { old: 0, new: 0 },
    },
    {
      // b: 3·2/4 = 1.5 → 2 (−1); a: 1·2/4 = 0.5 → 1 (0); the −1 left goes to b, the largest.
      name: 'scale down 4 → 2: halves round away from zero, leftover to the largest',
      d: deployment(2, 0, 1),
      rss: [rs('a', 1, { max: 4 }), rs('b', 3, { max: 4, created: '2026-01-02T00:00:00Z' })],
      want: { a: 1, b: 1 },
    },
    {
      // Scaling up, the largest RS takes what its proportion allows first.
      name: 'scale up 4 → 6 without surge',
      d: deployment(6, 0, 1),
      rss: [rs('a', 1, { max: 4 }), rs('b', 3, { max: 4, created: '2026-01-02T00:00:00Z' })],
      want: { a: 1, b: 5 },
    },
  ];
  for (const c of cases) {
    const [first, ...rest] = c.rss;
    const sizes = computeProportionalSizes(c.d, rest.at(-1), [first, ...rest.slice(0, -1)]);
    assert.deepEqual(Object.fromEntries(sizes), c.want, c.name);
  }
});
