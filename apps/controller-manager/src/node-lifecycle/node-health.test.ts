import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeCondition, Taint } from '@skiff/api';
import {
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  desiredTaintKeys,
  firstObservation,
  heartbeatSignature,
  lastHeartbeatStamp,
  markConditionsUnknown,
  msUntilStale,
  observeHeartbeat,
  reconcileTaints,
} from './node-health.ts';

const timings = { gracePeriodMs: 40_000, startupGracePeriodMs: 60_000 };
const now = new Date('2026-01-01T00:10:00Z');

function node(ready?: string, taints?: Taint[]): Node {
  const conditions: NodeCondition[] = ready
    ? [
        { type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' },
      ]
    : [];
  return { metadata: { name: 'n1' }, spec: { taints }, status: { conditions } };
}

test('staleness: a heartbeat restarts the grace period; never-ready nodes get the startup grace', () => {
  const cases: [string, Node, number, number][] = [
    // [why, node, ms since we observed the last heartbeat change, want ms until stale]
    ['fresh ready node', node('True'), 1_000, 39_000],
    ['exactly at grace', node('True'), 40_000, 0],
    ['past grace', node('True'), 45_000, -5_000],
    ['never posted status: startup grace', node(), 45_000, 15_000],
  ];
  for (const [why, n, age, want] of cases) {
    const obs = { signature: 'x', observedAtMs: now.getTime() - age };
    assert.equal(msUntilStale(n, obs, now.getTime(), timings), want, why);
  }
});

test('a first observation is backdated only when the heartbeat ran out more than a grace period ago', () => {
  // now = 00:10:00, grace 40 s, startup grace 60 s; the node's Ready heartbeat is from 00:00:00.
  const fresh = (n: Node): Node => ({ ...n, metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:09:30Z' } });
  const cases: [string, Node, { renewTime?: string; leaseDurationSeconds?: number } | undefined, number][] = [
    // [why, node, lease, want observedAt as ms before now]
    ['only a 10-minute-old status: backdated to it', node('True'), undefined, 600_000],
    ['lease renewed 100 s ago, 40 s lease: ran out 60 s ago', node('True'), { renewTime: '2026-01-01T00:08:20.000000Z' }, 100_000],
    ['lease renewed 70 s ago: ran out only 30 s ago', node('True'), { renewTime: '2026-01-01T00:08:50.000000Z' }, 0],
    ['a 120 s lease renewed 150 s ago has not run out', node('True'), { renewTime: '2026-01-01T00:07:30.000000Z', leaseDurationSeconds: 120 }, 0],
    ['never posted status, created 30 s ago: startup grace', fresh(node()), undefined, 0],
    ['never posted status, created 10 minutes ago', { ...node(), metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:00Z' } }, undefined, 600_000],
    ['nothing stamped at all', node(), undefined, 0],
  ];
  for (const [why, n, lease, want] of cases) {
    const obs = firstObservation('sig', lastHeartbeatStamp(n, lease, timings), now.getTime(), timings);
    assert.equal(now.getTime() - obs.observedAtMs, want, why);
  }
});

test('observations change only when the signature does', () => {
  const a = observeHeartbeat(undefined, heartbeatSignature(node('True'), '2026-01-01T00:00:01.000000Z'), 1000);
  assert.equal(observeHeartbeat(a, a.signature, 5000), a);
  const b = observeHeartbeat(a, heartbeatSignature(node('True'), '2026-01-01T00:00:11.000000Z'), 5000);
  assert.equal(b.observedAtMs, 5000);
});

test('conditions go Unknown once, missing ones are added as never updated', () => {
  const marked = markConditionsUnknown(node('True'), now)!;
  const ready = marked.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'Unknown');
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  assert.equal(ready.lastHeartbeatTime, '2026-01-01T00:00:00Z');
  assert.equal(ready.lastTransitionTime, '2026-01-01T00:10:00Z');
  assert.deepEqual(
    marked.map((c) => `${c.type}=${c.status}`),
    ['Ready=Unknown', 'MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown'],
  );
  assert.equal(marked.find((c) => c.type === 'DiskPressure')!.reason, 'NodeStatusNeverUpdated');
  const again: Node = { ...node('True'), status: { conditions: marked } };
  assert.equal(markConditionsUnknown(again, now), undefined);
});

test('taints follow the Ready condition', () => {
  const cases: [string, string | undefined, string[]][] = [
    ['ready', 'True', []],
    ['not ready', 'False', [TAINT_NOT_READY]],
    ['unknown', 'Unknown', [TAINT_UNREACHABLE]],
    ['no condition yet', undefined, []],
  ];
  for (const [why, status, want] of cases) {
    const n = node(status);
    assert.deepEqual(desiredTaintKeys(n.status!.conditions!.find((c) => c.type === 'Ready')), want, why);
  }
});

test("reconcileTaints adds both effects, keeps timeAdded and others' taints, removes stale ones", () => {
  const other: Taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
  const added = reconcileTaints([other], [TAINT_UNREACHABLE], now)!;
  assert.deepEqual(added, [
    other,
    { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
    { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: '2026-01-01T00:10:00Z' },
  ]);
  assert.equal(reconcileTaints(added, [TAINT_UNREACHABLE], new Date('2026-01-01T01:00:00Z')), undefined, 'unchanged keeps timeAdded');
  const swapped = reconcileTaints(added, [TAINT_NOT_READY], now)!;
  assert.deepEqual(
    swapped.map((t) => `${t.key}:${t.effect}`),
    ['dedicated:NoSchedule', `${TAINT_NOT_READY}:NoSchedule`, `${TAINT_NOT_READY}:NoExecute`],
  );
  assert.deepEqual(reconcileTaints(swapped, [], now), [other], 'a node that comes back is untainted');
  assert.equal(reconcileTaints([other], [], now), undefined);
});
