import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from '@skiff/api';
import { ApiStatusError, indexByNodeName, InformerCache, NODE_NAME_INDEX } from '@skiff/client';
import { PodGc } from './podgc-controller.ts';
import { terminatedPodsToDelete, unscheduledTerminatingPods } from './gc-pods.ts';

function pod(name: string, opts: { node?: string; phase?: string; created?: string; deleting?: boolean } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: name,
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { containers: [], ...(opts.node ? { nodeName: opts.node } : {}) },
    status: { phase: opts.phase ?? 'Running' },
  };
}

test('terminated pods beyond the threshold go, oldest first; 0 keeps them all', () => {
  const pods = [
    pod('new', { phase: 'Succeeded', created: '2026-01-03T00:00:00Z' }),
    pod('old', { phase: 'Failed', created: '2026-01-01T00:00:00Z' }),
    pod('mid', { phase: 'Succeeded', created: '2026-01-02T00:00:00Z' }),
    pod('running', { created: '2025-01-01T00:00:00Z' }),
  ];
  assert.deepEqual(
    terminatedPodsToDelete(pods, 1).map((p) => p.metadata?.name),
    ['old', 'mid'],
  );
  assert.deepEqual(terminatedPodsToDelete(pods, 3), []);
  assert.deepEqual(terminatedPodsToDelete(pods, 0), []);
});

test('unscheduled terminating pods go; scheduled ones wait for their kubelet', () => {
  const pods = [pod('a', { deleting: true }), pod('b', { deleting: true, node: 'n1' }), pod('c')];
  assert.deepEqual(
    unscheduledTerminatingPods(pods).map((p) => p.metadata?.name),
    ['a'],
  );
});

function world(nodeNames: string[], livenodes: string[]) {
  const pods = new InformerCache<Pod>();
  pods.addIndex(NODE_NAME_INDEX, indexByNodeName);
  const nodes = new InformerCache<Node>();
  for (const name of nodeNames) nodes.upsert({ metadata: { name } });
  const calls: string[] = [];
  let now = Date.parse('2026-01-01T00:00:00Z');
  const gc = new PodGc({
    pods,
    nodes,
    threshold: 100,
    now: () => new Date(now),
    client: {
      get: async <T>(_res: unknown, _ns: unknown, name: string) => {
        calls.push(`get node ${name}`);
        if (!livenodes.includes(name)) throw new ApiStatusError({ code: 404, reason: 'NotFound', message: 'gone' });
        return { metadata: { name } } as T;
      },
      patch: async <T>(_res: unknown, _ns: unknown, name: string, _type: unknown, body: any) => {
        calls.push(`patch ${name} ${body.status.phase} ${body.status.conditions[0].reason}`);
        return {} as T;
      },
      delete: async (_res: unknown, _ns: unknown, name: string, opts: any) => {
        calls.push(`delete ${name} grace=${opts?.gracePeriodSeconds}`);
        return {};
      },
    } as any,
  });
  return {
    pods,
    calls,
    gc,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

test('pods of a node that no longer exists are marked Failed and force-deleted after the 40 s quarantine and a GET', async () => {
  const w = world(['n1'], ['n1']);
  w.pods.upsert(pod('on-live', { node: 'n1' }));
  w.pods.upsert(pod('on-gone', { node: 'n2' }));
  assert.deepEqual(await w.gc.sync(), { requeueAfter: 20_000 });
  assert.deepEqual(w.calls, [], 'quarantined, not yet deleted');
  w.advance(40_000);
  await w.gc.sync();
  assert.deepEqual(w.calls, ['get node n2', 'patch on-gone Failed DeletionByPodGC', 'delete on-gone grace=0']);
});

test('a node missing from the cache but found by the GET keeps its pods', async () => {
  const w = world([], ['n1']);
  w.pods.upsert(pod('p', { node: 'n1' }));
  await w.gc.sync();
  w.advance(41_000);
  await w.gc.sync();
  assert.deepEqual(w.calls, ['get node n1']);
});
