import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodDisruptionBudget } from '@skiff/api';
import { ApiError } from '../errors.ts';
import { budgetsCovering, canIgnoreBudget, checkAndDecrement, checkEvictionPreconditions, unhealthyPodMayGo, withDisruptionTarget } from './eviction-budget.ts';

const now = new Date('2026-05-01T12:00:00Z');

function pod(opts: { labels?: Record<string, string>; phase?: string; ready?: boolean; deleting?: boolean; ns?: string } = {}): Pod {
  return {
    metadata: {
      name: 'web-1',
      namespace: opts.ns ?? 'default',
      uid: 'u1',
      resourceVersion: '7',
      labels: opts.labels ?? { app: 'web' },
      ...(opts.deleting ? { deletionTimestamp: '2026-05-01T11:00:00Z' } : {}),
    },
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

function budget(
  name: string,
  status: Partial<NonNullable<PodDisruptionBudget['status']>> = {},
  spec: PodDisruptionBudget['spec'] = { selector: { matchLabels: { app: 'web' } } },
): PodDisruptionBudget {
  return {
    metadata: { name, namespace: 'default', generation: 1 },
    spec,
    status: { observedGeneration: 1, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3, ...status },
  };
}

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

test('a budget covers the pods its selector selects in its own namespace; empty and invalid selectors cover none', () => {
  const pdbs = [
    budget('match'),
    budget('other-app', {}, { selector: { matchLabels: { app: 'db' } } }),
    budget('empty', {}, { selector: {} }),
    budget('none', {}, {}),
    budget('bad', {}, { selector: { matchExpressions: [{ key: 'app', operator: 'Near' }] } }),
    { ...budget('elsewhere'), metadata: { name: 'elsewhere', namespace: 'prod', generation: 1 } },
  ];
  assert.deepEqual(
    budgetsCovering(pdbs, pod()).map((p) => p.metadata?.name),
    ['match'],
  );
});

test('finished, Pending and deleting pods need no budget; Running ones do', () => {
  for (const p of [pod({ phase: 'Succeeded' }), pod({ phase: 'Failed' }), pod({ phase: 'Pending' }), pod({ deleting: true })])
    assert.equal(canIgnoreBudget(p), true);
  assert.equal(canIgnoreBudget(pod()), false);
});

test('an unready pod is spared when the budget is met (IfHealthyBudget) or always (AlwaysAllow)', () => {
  const unready = pod({ ready: false });
  assert.equal(unhealthyPodMayGo(budget('b'), unready), true);
  assert.equal(unhealthyPodMayGo(budget('b', { currentHealthy: 1 }), unready), false);
  assert.equal(
    unhealthyPodMayGo(budget('b', { currentHealthy: 1 }, { selector: { matchLabels: { app: 'web' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' }), unready),
    true,
  );
  assert.equal(unhealthyPodMayGo(budget('b'), pod()), false);
});

test('checkAndDecrement spends one disruption, records the pod and marks the budget spent at zero', () => {
  const next = checkAndDecrement(budget('web'), 'web-1', now, false);
  assert.equal(next.status?.disruptionsAllowed, 0);
  assert.deepEqual(next.status?.disruptedPods, { 'web-1': '2026-05-01T12:00:00Z' });
  assert.deepEqual(next.status?.conditions, [
    { type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: '2026-05-01T12:00:00Z', reason: 'InsufficientPods', message: '' },
  ]);
  const dry = budget('web');
  assert.equal(checkAndDecrement(dry, 'web-1', now, true), dry);
});

test("checkAndDecrement refuses in upstream's words", () => {
  const spent = refusal(() => checkAndDecrement(budget('web', { disruptionsAllowed: 0, currentHealthy: 2 }), 'web-1', now, false));
  assert.equal(spent.code, 429);
  assert.equal(spent.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  assert.deepEqual(spent.toStatus().details, {
    causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }],
  });

  const stale = refusal(() => checkAndDecrement(budget('web', { observedGeneration: 0 }), 'web-1', now, false));
  assert.equal(stale.code, 429);
  assert.deepEqual(stale.toStatus().details, {
    causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }],
    retryAfterSeconds: 10,
  });

  const negative = refusal(() => checkAndDecrement(budget('web', { disruptionsAllowed: -1 }), 'web-1', now, false));
  assert.equal(negative.message, 'poddisruptionbudget.policy "web" is forbidden: pdb disruptions allowed is negative');
});

test("DisruptionTarget is added once; preconditions are checked in upstream's words", () => {
  const p = { ...pod(), metadata: { name: 'web-1', namespace: 'default', uid: 'u1', resourceVersion: '7' } };
  const marked = withDisruptionTarget(p, now)!;
  const conditions = (marked.status as { conditions: unknown[] }).conditions;
  assert.deepEqual(conditions[1], {
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
    lastProbeTime: null,
    lastTransitionTime: '2026-05-01T12:00:00Z',
  });
  assert.equal(withDisruptionTarget(marked, now), undefined);

  assert.equal(
    refusal(() => checkEvictionPreconditions(p, { uid: 'u0' })).message,
    'Operation cannot be fulfilled on Pod "web-1": the UID in the precondition (u0) does not match the UID in record (u1). The object might have been deleted and then recreated',
  );
  assert.equal(refusal(() => checkEvictionPreconditions(p, { resourceVersion: '6' })).code, 409);
  checkEvictionPreconditions(p, { uid: 'u1', resourceVersion: '7' });
});
