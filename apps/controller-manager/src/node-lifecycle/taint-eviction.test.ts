import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Taint, Toleration } from '@skiff/api';
import { decideEviction, shouldForceDelete, toleratesTaint } from './taint-eviction.ts';

const now = new Date('2026-01-01T00:10:00Z');
const unreachable = (timeAdded: string): Taint => ({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded });
const tol = (seconds?: number, extra: Toleration = {}): Toleration => ({
  key: 'node.kubernetes.io/unreachable',
  operator: 'Exists',
  effect: 'NoExecute',
  ...(seconds === undefined ? {} : { tolerationSeconds: seconds }),
  ...extra,
});
const pod = (tolerations: Toleration[]): Pod => ({ metadata: { name: 'p', namespace: 'default' }, spec: { containers: [], tolerations } });

test('toleratesTaint follows Kubernetes', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoExecute' };
  const cases: [Toleration, boolean][] = [
    [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }, true],
    [{ key: 'k', value: 'v' }, true],
    [{ key: 'k', operator: 'Equal', value: 'w' }, false],
    [{ key: 'k', operator: 'Exists' }, true],
    [{ operator: 'Exists' }, true],
    [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
  ];
  for (const [t, want] of cases) assert.equal(toleratesTaint(t, taint), want, JSON.stringify(t));
});

test("eviction timing with tolerations, counted from the taint's timeAdded", () => {
  const cases: [string, Taint[], Toleration[], ReturnType<typeof decideEviction>][] = [
    ['no taints', [], [], { action: 'none' }],
    ['NoSchedule only', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }], [], { action: 'none' }],
    [
      'no toleration: evict now',
      [unreachable('2026-01-01T00:09:59Z')],
      [],
      { action: 'evict', reason: 'does not tolerate node.kubernetes.io/unreachable:NoExecute' },
    ],
    ['300 s, tainted 100 s ago: wait 200 s', [unreachable('2026-01-01T00:08:20Z')], [tol(300)], { action: 'wait', ms: 200_000 }],
    ['300 s, tainted 300 s ago: evict', [unreachable('2026-01-01T00:05:00Z')], [tol(300)], { action: 'evict', reason: 'toleration seconds expired' }],
    ['forever', [unreachable('2026-01-01T00:00:00Z')], [tol()], { action: 'none' }],
    ['negative seconds = 0', [unreachable('2026-01-01T00:10:00Z')], [tol(-5)], { action: 'evict', reason: 'toleration seconds expired' }],
    ['first matching toleration counts', [unreachable('2026-01-01T00:10:00Z')], [tol(10), tol()], { action: 'wait', ms: 10_000 }],
    [
      'two taints: the earlier deadline',
      [unreachable('2026-01-01T00:10:00Z'), { key: 'x', effect: 'NoExecute', timeAdded: '2026-01-01T00:09:50Z' }],
      [tol(30), { key: 'x', operator: 'Exists', tolerationSeconds: 15 }],
      { action: 'wait', ms: 5_000 },
    ],
    [
      'one tolerated, one not',
      [unreachable('2026-01-01T00:10:00Z'), { key: 'x', effect: 'NoExecute' }],
      [tol(30)],
      { action: 'evict', reason: 'does not tolerate x:NoExecute' },
    ],
    ['no timeAdded: counted from now', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }], [tol(5)], { action: 'wait', ms: 5_000 }],
  ];
  for (const [why, taints, tolerations, want] of cases) assert.deepEqual(decideEviction(pod(tolerations), taints, now), want, why);
});

test('force delete only past the grace period and only on an unreachable node', () => {
  const terminating = (ts: string): Pod => ({ metadata: { name: 'p', deletionTimestamp: ts }, spec: { containers: [] } });
  assert.equal(shouldForceDelete(terminating('2026-01-01T00:09:00Z'), true, now), true);
  assert.equal(shouldForceDelete(terminating('2026-01-01T00:11:00Z'), true, now), false);
  assert.equal(shouldForceDelete(terminating('2026-01-01T00:09:00Z'), false, now), false);
  assert.equal(shouldForceDelete(pod([]), true, now), false);
});
