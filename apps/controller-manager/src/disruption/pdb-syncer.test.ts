import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodDisruptionBudget } from '@skiff/api';
import { InformerCache, type KubeObject, type WriteOptions } from '@skiff/client';
import { createLogger } from '@skiff/log';
import { syncPdb, type PdbSyncDeps } from './pdb-syncer.ts';
import { buildDisruptedPodMap, countHealthyPods, DELETION_TIMEOUT_MS } from './disrupted-pods.ts';
import { staleDisruptionWait, syncStalePodDisruption } from './stale-disruption.ts';

const NOW = new Date('2026-12-07T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const logger = createLogger('disruption-test', 'silent');

function pod(name: string, opts: { ready?: boolean; deleting?: boolean; labels?: Record<string, string> } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'a',
      uid: `u-${name}`,
      resourceVersion: '1',
      labels: opts.labels ?? { app: 'web' },
      ...(opts.deleting ? { deletionTimestamp: ago(1000) } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs1', controller: true }],
    },
    status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

function budget(spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']): PodDisruptionBudget {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'a', generation: 1, resourceVersion: '7' }, spec, status };
}

function fixture(pdb: PodDisruptionBudget, pods: Pod[], scale = 3) {
  const pdbs = new InformerCache<PodDisruptionBudget>();
  pdbs.upsert(pdb);
  const podCache = new InformerCache<Pod>();
  for (const p of pods) podCache.upsert(p);
  const writes: KubeObject[] = [];
  const events: string[] = [];
  const deps: PdbSyncDeps = {
    client: {
      async update<T extends KubeObject>(_res: unknown, obj: T, opts?: WriteOptions) {
        assert.equal(opts?.subresource, 'status');
        writes.push(obj);
        return obj;
      },
    } as PdbSyncDeps['client'],
    pdbs,
    pods: podCache,
    logger,
    now: () => NOW,
    recorder: { event: (_o, type, reason, message) => void events.push(`${type} ${reason} ${message}`) },
    findScale: async (ref) => (ref.uid === 'rs1' ? { uid: 'd1', scale } : undefined),
  };
  return { deps, writes, events, status: () => (writes.at(-1) as PodDisruptionBudget | undefined)?.status };
}

const selector = { matchLabels: { app: 'web' } };

test('minAvailable 2 over 3 ready pods: one disruption allowed, SufficientPods', async () => {
  const f = fixture(budget({ minAvailable: 2, selector }), [pod('w1'), pod('w2'), pod('w3'), pod('other', { labels: { app: 'db' } })]);
  assert.equal(await syncPdb(f.deps, 'a/web'), undefined);
  assert.deepEqual(f.status(), {
    observedGeneration: 1,
    disruptionsAllowed: 1,
    currentHealthy: 3,
    desiredHealthy: 2,
    expectedPods: 3,
    conditions: [
      { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: '2026-12-07T12:00:00Z' },
    ],
  });
});

test('an up-to-date status is not written again; a change moves the condition and its transition time', async () => {
  const first = fixture(budget({ maxUnavailable: 1, selector }), [pod('w1'), pod('w2'), pod('w3')]);
  await syncPdb(first.deps, 'a/web');
  const synced = budget({ maxUnavailable: 1, selector }, first.status());
  const again = fixture(synced, [pod('w1'), pod('w2'), pod('w3')]);
  await syncPdb(again.deps, 'a/web');
  assert.equal(again.writes.length, 0);
  const churn = fixture(synced, [pod('w1'), pod('w2', { ready: false }), pod('w3', { deleting: true })]);
  await syncPdb(churn.deps, 'a/web');
  const s = churn.status()!;
  assert.deepEqual([s.currentHealthy, s.desiredHealthy, s.expectedPods, s.disruptionsAllowed], [1, 2, 3, 0]);
  assert.deepEqual(
    s.conditions!.map((c) => [c.status, c.reason]),
    [['False', 'InsufficientPods']],
  );
});

test('disruptedPods: fresh entries do not count as healthy and bring a recheck; expired, deleted and unknown ones go', async () => {
  const disruptedPods = { w1: ago(10_000), w2: ago(DELETION_TIMEOUT_MS + 1), w3: ago(5_000), gone: ago(1_000) };
  const f = fixture(budget({ minAvailable: 1, selector }, { disruptedPods, disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }), [
    pod('w1'),
    pod('w2'),
    pod('w3', { deleting: true }),
  ]);
  const result = await syncPdb(f.deps, 'a/web');
  assert.deepEqual(f.status()!.disruptedPods, { w1: disruptedPods.w1 });
  assert.equal(f.status()!.currentHealthy, 1);
  assert.deepEqual(result, { requeueAfter: DELETION_TIMEOUT_MS - 10_000 + 1 });
  assert.deepEqual(f.events, ["Warning NotDeleted Pod was expected by PDB a/web to be deleted but it wasn't"]);
});

test('a pod no finder knows: failSafe writes disruptionsAllowed 0 with SyncFailed, and the key is retried', async () => {
  const stray = pod('w1');
  stray.metadata!.ownerReferences![0]!.uid = 'unknown';
  const f = fixture(budget({ maxUnavailable: 1, selector }, { disruptionsAllowed: 2, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3 }), [stray]);
  await assert.rejects(syncPdb(f.deps, 'a/web'), /found no controllers for pod "w1"/);
  const s = f.status()!;
  assert.equal(s.disruptionsAllowed, 0);
  assert.deepEqual(
    s.conditions!.map((c) => [c.status, c.reason, c.message]),
    [['False', 'SyncFailed', 'found no controllers for pod "w1"']],
  );
  assert.deepEqual(f.events, ['Warning CalculateExpectedPodCountFailed Failed to calculate the number of expected pods: found no controllers for pod "w1"']);
});

test('no pods: nothing expected, nothing allowed, NoPods; a deleted budget is a no-op', async () => {
  const f = fixture(budget({ minAvailable: 0, selector }), []);
  await syncPdb(f.deps, 'a/web');
  assert.deepEqual([f.status()!.expectedPods, f.status()!.disruptionsAllowed], [0, 0]);
  assert.deepEqual(f.events, ['Normal NoPods No matching pods found']);
  assert.equal(await syncPdb(f.deps, 'a/missing'), undefined);
});

test('unmanaged pods are counted for an integer minAvailable and warned about otherwise', async () => {
  const loose = pod('loose');
  delete loose.metadata!.ownerReferences;
  const f = fixture(budget({ maxUnavailable: 1, selector }), [pod('w1'), loose]);
  await syncPdb(f.deps, 'a/web');
  assert.match(
    f.events[0]!,
    /^Warning UnmanagedPods Pods selected by this PodDisruptionBudget \(selector: &LabelSelector\{MatchLabels:map\[string\]string\{app: web,\},MatchExpressions:\[\]LabelSelectorRequirement\{\},\}\) were found to be unmanaged/,
  );
});

test('countHealthyPods and buildDisruptedPodMap are pure', () => {
  assert.equal(countHealthyPods([pod('a'), pod('b', { ready: false })], {}, NOW.getTime()), 1);
  assert.deepEqual(buildDisruptedPodMap([pod('a')], undefined, NOW.getTime()), { disruptedPods: {}, notDeleted: [] });
});

test('stale DisruptionTarget: waits out two minutes, then set to False with the reason dropped', async () => {
  const marked = pod('w1');
  marked.status!.conditions!.push({
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
    lastTransitionTime: ago(60_000),
  });
  assert.equal(staleDisruptionWait(marked, NOW.getTime()), 60_000);
  assert.equal(staleDisruptionWait({ ...marked, metadata: { ...marked.metadata, deletionTimestamp: ago(1) } }, NOW.getTime()), undefined);
  const pods = new InformerCache<Pod>();
  pods.upsert(marked);
  const writes: Pod[] = [];
  const client = {
    async update<T extends KubeObject>(_r: unknown, obj: T) {
      writes.push(obj as Pod);
      return obj;
    },
  } as any;
  assert.deepEqual(await syncStalePodDisruption({ client, pods, logger, now: () => NOW }, 'a/w1'), { requeueAfter: 60_000 });
  assert.equal(await syncStalePodDisruption({ client, pods, logger, now: () => new Date(NOW.getTime() + 60_000) }, 'a/w1'), undefined);
  assert.deepEqual(writes[0]!.status!.conditions![1], { type: 'DisruptionTarget', status: 'False', lastTransitionTime: '2026-12-07T12:01:00Z' });
});
