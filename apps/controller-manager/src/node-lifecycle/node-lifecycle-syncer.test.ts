import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease, Node, Pod } from '@skiff/api';
import { createLogger } from '@skiff/log';
import { NodeLifecycleSyncer } from './node-lifecycle-syncer.ts';

interface Action {
  verb: string;
  name: string;
  body?: unknown;
  opts?: unknown;
}

function fixture(node: Node, pods: Pod[], lease?: Lease) {
  const actions: Action[] = [];
  const events: string[] = [];
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const state = { node, pods, lease };
  const syncer = new NodeLifecycleSyncer({
    client: {
      patch: async (res, _ns, name, _t, body, opts) => {
        actions.push({ verb: `patch ${res.resource}${opts?.subresource ? '/' + opts.subresource : ''}`, name, body });
        return {} as never;
      },
      delete: async (res, _ns, name, opts) => {
        actions.push({ verb: `delete ${res.resource}`, name, opts });
        return {} as never;
      },
    },
    nodes: { get: (_ns, name) => (name === state.node.metadata!.name ? state.node : undefined) },
    leases: { get: (_ns, name) => (state.lease && name === state.lease.metadata!.name ? state.lease : undefined) },
    pods: { byIndex: (_i, name) => state.pods.filter((p) => p.spec?.nodeName === name) },
    recorder: {
      event: (_o, _t, reason, msg) => {
        events.push(`${reason}: ${msg}`);
      },
    },
    logger: createLogger('test', 'silent'),
    timings: { gracePeriodMs: 40_000, startupGracePeriodMs: 60_000 },
    now: () => new Date(clock),
  });
  return {
    syncer,
    actions,
    events,
    state,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const readyNode = (extra: Partial<Node['spec']> = {}, status = 'True'): Node => ({
  metadata: { name: 'n1', resourceVersion: '5' },
  spec: { ...extra },
  status: {
    conditions: [{ type: 'Ready', status, reason: 'KubeletReady', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }],
  },
});
const lease = (renewTime: string): Lease => ({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', renewTime } });
const podOn = (name: string, tolerationSeconds?: number, extra: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra },
  spec: {
    nodeName: 'n1',
    containers: [],
    tolerations: tolerationSeconds === undefined ? [] : [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds }],
  },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

test('a healthy node is left alone and looked at again when it would go stale', async () => {
  const fx = fixture(readyNode(), [podOn('a')], lease('2026-01-01T00:00:00.000000Z'));
  assert.deepEqual(await fx.syncer.sync('n1'), { requeueAfter: 30_000 });
  fx.advance(25_000);
  assert.deepEqual(await fx.syncer.sync('n1'), { requeueAfter: 15_050 });
  // A renewal restarts the grace period.
  fx.state.lease = lease('2026-01-01T00:00:25.000000Z');
  assert.deepEqual(await fx.syncer.sync('n1'), { requeueAfter: 30_000 });
  assert.deepEqual(fx.actions, []);
});

test('a silent node goes Unknown, is tainted, its pods go not-ready and are evicted after their tolerations', async () => {
  const fx = fixture(readyNode(), [podOn('short', 10), podOn('none')], lease('2026-01-01T00:00:00.000000Z'));
  await fx.syncer.sync('n1');
  fx.advance(41_000);
  await fx.syncer.sync('n1');
  assert.equal(fx.actions.length, 1);
  assert.equal(fx.actions[0]!.verb, 'patch nodes/status');
  const conditions = (fx.actions[0]!.body as { status: { conditions: { type: string; status: string }[] } }).status.conditions;
  assert.equal(conditions.find((c) => c.type === 'Ready')!.status, 'Unknown');
  assert.deepEqual(fx.events, ['NodeNotReady: Node n1 status is now: NodeNotReady']);

  // The watch brings the new status: next pass taints.
  fx.state.node = { ...fx.state.node, status: { conditions: conditions as never } };
  fx.actions.length = 0;
  await fx.syncer.sync('n1');
  assert.deepEqual(
    fx.actions.map((a) => a.verb),
    ['patch nodes'],
  );
  const taints = (fx.actions[0]!.body as { spec: { taints: { key: string; effect: string; timeAdded?: string }[] } }).spec.taints;
  assert.deepEqual(
    taints.map((t) => `${t.key}:${t.effect}`),
    ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'],
  );

  // Tainted: pods lose Ready; the intolerant one goes now, the 10 s one waits.
  fx.state.node = { ...fx.state.node, spec: { taints } };
  fx.actions.length = 0;
  const result = await fx.syncer.sync('n1');
  assert.deepEqual(
    fx.actions.map((a) => `${a.verb} ${a.name}`),
    ['patch pods/status short', 'patch pods/status none', 'delete pods none'],
  );
  assert.deepEqual(fx.actions[2]!.opts, { preconditions: { uid: 'uid-none' } });
  assert.deepEqual(result, { requeueAfter: 10_000 });
  assert.ok(fx.events.includes('TaintManagerEviction: Marking for deletion Pod default/none'));

  fx.state.pods = [
    { ...podOn('short', 10), status: { conditions: [{ type: 'Ready', status: 'False' }] } },
    podOn('none', undefined, { deletionTimestamp: '2026-01-01T00:01:11Z' }),
  ];
  fx.actions.length = 0;
  fx.advance(10_000);
  await fx.syncer.sync('n1');
  assert.deepEqual(
    fx.actions.map((a) => `${a.verb} ${a.name}`),
    ['delete pods short'],
  );

  // Past its grace period the terminating pod is force-deleted: its kubelet cannot confirm.
  fx.state.pods = [podOn('none', undefined, { deletionTimestamp: '2026-01-01T00:01:11Z' })];
  fx.actions.length = 0;
  fx.advance(30_000);
  await fx.syncer.sync('n1');
  assert.deepEqual(
    fx.actions.map((a) => `${a.verb} ${a.name}`),
    ['delete pods none'],
  );
  assert.deepEqual(fx.actions[0]!.opts, { gracePeriodSeconds: 0, preconditions: { uid: 'uid-none' } });
});

test('a node that comes back is untainted', async () => {
  const taints = [
    { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' },
  ];
  const fx = fixture(readyNode({ taints }), [], lease('2026-01-01T00:00:00.000000Z'));
  await fx.syncer.sync('n1');
  assert.deepEqual(
    fx.actions.map((a) => a.verb),
    ['patch nodes'],
  );
  assert.deepEqual(fx.actions[0]!.body, { metadata: { resourceVersion: '5' }, spec: { taints: null } });
});

test('a Ready=False node gets the not-ready taints', async () => {
  const fx = fixture(readyNode({}, 'False'), [], lease('2026-01-01T00:00:00.000000Z'));
  await fx.syncer.sync('n1');
  const body = fx.actions[0]!.body as { spec: { taints: { key: string }[] } };
  assert.deepEqual(
    body.spec.taints.map((t) => t.key),
    ['node.kubernetes.io/not-ready', 'node.kubernetes.io/not-ready'],
  );
});

test('a node whose heartbeat expired long before the controller started is marked on the first pass', async () => {
  // The clock reads 00:00:00; grace 40 s, lease duration 40 s: a lease renewed before 23:58:40 had
  // run out more than a grace period ago (`skiff down`, then `skiff up` minutes later).
  const stale = (heartbeat: string): Node => ({
    ...readyNode(),
    status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat }] },
  });
  const cases: [string, Node, Lease | undefined, string[]][] = [
    // [why, node, lease, actions of the first pass]
    ['lease renewed 5 minutes ago', stale('2025-12-31T23:55:00Z'), lease('2025-12-31T23:55:00.000000Z'), ['patch nodes/status']],
    ['no lease, status 5 minutes old', stale('2025-12-31T23:55:00Z'), undefined, ['patch nodes/status']],
    ['lease expired, but less than a grace period ago', stale('2025-12-31T23:55:00Z'), lease('2025-12-31T23:59:00.000000Z'), []],
    ['old status but a fresh lease (status is re-posted every 5 minutes)', stale('2025-12-31T23:55:00Z'), lease('2025-12-31T23:59:55.000000Z'), []],
  ];
  for (const [why, node, nodeLease, want] of cases) {
    const fx = fixture(node, [podOn('a')], nodeLease);
    await fx.syncer.sync('n1');
    assert.deepEqual(
      fx.actions.map((a) => a.verb),
      want,
      why,
    );
  }

  // The pass after the status write (its watch event, no time passing) taints the node, so the
  // scheduler stops offering it at once.
  const fx = fixture(stale('2025-12-31T23:55:00Z'), [], lease('2025-12-31T23:55:00.000000Z'));
  await fx.syncer.sync('n1');
  const conditions = (fx.actions[0]!.body as { status: { conditions: NonNullable<Node['status']>['conditions'] } }).status.conditions!;
  assert.equal(conditions.find((c) => c.type === 'Ready')!.status, 'Unknown');
  fx.state.node = { ...fx.state.node, status: { conditions } };
  fx.actions.length = 0;
  await fx.syncer.sync('n1');
  const taints = (fx.actions[0]!.body as { spec: { taints: { key: string; effect: string }[] } }).spec.taints;
  assert.deepEqual(
    taints.map((t) => `${t.key}:${t.effect}`),
    ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'],
  );
});
