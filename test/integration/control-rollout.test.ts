/**
 * A rolling update with maxSurge=1, maxUnavailable=0 watched pod by pod: ready pods never
 * drop below the desired count and pods never exceed desired+1. Then what kubectl does to
 * a Deployment — rollout undo, status, history — with kubectl 1.20 and the newest kubectl.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Deployment, type Pod, type ReplicaSet } from '@skiff/api';
import { eventually, kubectl, kubectlBinaries, openWatch, startControlPlane, type ControlPlane, type KubectlBinary } from '../harness/index.ts';

// Ports 24710-24711 (etcd) and 24810 (apiserver) belong to this file.
const BASE_PORT = 24710;
const NS = 'default';
const REPLICAS = 3;
const REVISION = 'deployment.kubernetes.io/revision';

const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;
const REPLICASETS = findResourceByKind('apps/v1', 'ReplicaSet')!;
const PODS = findResourceByKind('v1', 'Pod')!;

const isReady = (pod: Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const imageOf = (d: { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }) => d.spec?.template?.spec?.containers?.[0]?.image;

describe('rolling updates and kubectl rollout', { timeout: 150_000 }, () => {
  let cp: ControlPlane;
  let binaries: KubectlBinary[];

  before(async () => {
    binaries = await kubectlBinaries();
    cp = await startControlPlane({ basePort: BASE_PORT });
  });
  after(async () => {
    await cp?.stop();
  });

  const run = async (bin: KubectlBinary, args: string[], timeoutMs = 60_000) => {
    const res = await kubectl(bin, args, { kubeconfig: cp.cluster.kubeconfigPath, timeoutMs });
    assert.equal(res.code, 0, `${bin.name} ${args.join(' ')}: ${res.stderr}${res.stdout}`);
    return res.stdout;
  };

  const replicaSetsByRevision = async () => {
    const sets = (await cp.client.list<ReplicaSet>(REPLICASETS, NS, { labelSelector: 'app=roll' })).items;
    return new Map(sets.map((rs) => [rs.metadata?.annotations?.[REVISION], rs]));
  };

  const waitComplete = (image: string) =>
    eventually(async () => {
      const d = await cp.client.get<Deployment>(DEPLOYMENTS, NS, 'roll');
      assert.equal(imageOf(d), image);
      assert.equal(d.status?.observedGeneration, d.metadata?.generation);
      assert.equal(d.status?.updatedReplicas, REPLICAS);
      assert.equal(d.status?.replicas, REPLICAS);
      assert.equal(d.status?.availableReplicas, REPLICAS);
      return d;
    }, 60_000);

  it('never has fewer than desired ready or more than desired+1 pods while rolling', async () => {
    await cp.client.create<Deployment>(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'roll', namespace: NS },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: 'roll' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: { metadata: { labels: { app: 'roll' } }, spec: { containers: [{ name: 'app', image: 'registry.local/roll:1' }] } },
      },
    });
    await waitComplete('registry.local/roll:1');
    const first = await replicaSetsByRevision();
    assert.deepEqual([...first.keys()], ['1']);

    // Watch from the listed state, so the invariant is checked from the first change on.
    const list = await cp.client.list<Pod>(PODS, NS, { labelSelector: 'app=roll' });
    const pods = new Map(list.items.map((p) => [p.metadata!.name!, p]));
    const watch = await openWatch(
      cp.cluster.admin,
      `/api/v1/namespaces/${NS}/pods?watch=true&labelSelector=app%3Droll&resourceVersion=${list.metadata?.resourceVersion}`,
    );
    const violations: string[] = [];
    let seen = 0;
    let maxTotal = 0;
    let minReady = Number.POSITIVE_INFINITY;
    const check = () => {
      for (; seen < watch.events.length; seen++) {
        const { type, object } = watch.events[seen];
        if (type === 'BOOKMARK') continue;
        if (type === 'DELETED') pods.delete(object.metadata.name);
        else if (type === 'ADDED' || type === 'MODIFIED') pods.set(object.metadata.name, object as Pod);
        // Terminating pods are on their way out: the controllers no longer count them.
        const active = [...pods.values()].filter((p) => !p.metadata?.deletionTimestamp);
        const ready = active.filter(isReady).length;
        maxTotal = Math.max(maxTotal, active.length);
        minReady = Math.min(minReady, ready);
        if (ready < REPLICAS) violations.push(`${type} ${object.metadata?.name}: ${ready} ready < ${REPLICAS}`);
        if (active.length > REPLICAS + 1) violations.push(`${type} ${object.metadata?.name}: ${active.length} pods > ${REPLICAS + 1}`);
      }
    };
    try {
      await cp.client.patch<Deployment>(DEPLOYMENTS, NS, 'roll', 'strategic', {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'registry.local/roll:2' }] } } },
      });
      await waitComplete('registry.local/roll:2');
      // Let the last deletions arrive before judging.
      await eventually(async () => {
        const active = (await cp.client.list<Pod>(PODS, NS, { labelSelector: 'app=roll' })).items;
        assert.equal(active.length, REPLICAS);
      }, 30_000);
      // The events replay in order, so checking them all at the end sees every state.
      check();
    } finally {
      watch.close();
    }
    assert.deepEqual(violations, [], 'the rollout kept the invariant');
    assert.equal(maxTotal, REPLICAS + 1, 'the rollout did surge by one');
    assert.equal(minReady, REPLICAS);
    const sets = await replicaSetsByRevision();
    assert.deepEqual([...sets.keys()].sort(), ['1', '2']);
    assert.equal(sets.get('1')?.spec?.replicas, 0, 'the old ReplicaSet is scaled to 0');
    assert.equal(sets.get('2')?.spec?.replicas, REPLICAS);
    const d = await cp.client.get<Deployment>(DEPLOYMENTS, NS, 'roll');
    assert.equal(d.metadata?.annotations?.[REVISION], '2');
  });

  it('kubectl rollout undo brings the old template back as the next revision, with each kubectl', async () => {
    // Revisions so far: 1 = roll:1, 2 = roll:2. Each undo flips the template and bumps the revision.
    let expectedImage = 'registry.local/roll:1';
    let expectedRevision = 3;
    for (const bin of binaries) {
      const before = await replicaSetsByRevision();
      const target = [...before.values()].find((rs) => imageOf(rs) === expectedImage)!;
      assert.ok(target, `a ReplicaSet with ${expectedImage}`);
      await run(bin, ['rollout', 'undo', 'deployment/roll', '-n', NS]);
      await waitComplete(expectedImage);
      const after_ = await replicaSetsByRevision();
      // kubectl copies the old ReplicaSet's template as the server serialised it (1.20 adds
      // `creationTimestamp: null` and `resources: {}`); the controller must still see it equal.
      const summary = [...after_.values()].map((rs) => ({
        name: rs.metadata?.name,
        revision: rs.metadata?.annotations?.[REVISION],
        template: rs.spec?.template,
      }));
      assert.equal(after_.size, before.size, `${bin.name}: the old ReplicaSet is reused, not a new one created: ${JSON.stringify(summary)}`);
      const revived = after_.get(String(expectedRevision));
      assert.equal(revived?.metadata?.uid, target.metadata?.uid, `the ${expectedImage} ReplicaSet became revision ${expectedRevision}`);
      assert.equal(revived?.spec?.replicas, REPLICAS);
      const d = await cp.client.get<Deployment>(DEPLOYMENTS, NS, 'roll');
      assert.equal(d.metadata?.annotations?.[REVISION], String(expectedRevision));

      const status = await run(bin, ['rollout', 'status', 'deployment/roll', '-n', NS, '--timeout=60s']);
      assert.match(status, /successfully rolled out/);
      const history = await run(bin, ['rollout', 'history', 'deployment/roll', '-n', NS]);
      assert.match(history, /REVISION/);
      assert.match(history, new RegExp(`^${expectedRevision}\\s`, 'm'), `history lists revision ${expectedRevision}:\n${history}`);
      const detail = await run(bin, ['rollout', 'history', 'deployment/roll', '-n', NS, `--revision=${expectedRevision}`]);
      assert.match(detail, new RegExp(expectedImage.replace(/[.:]/g, '\\$&')));

      expectedImage = expectedImage.endsWith(':1') ? 'registry.local/roll:2' : 'registry.local/roll:1';
      expectedRevision++;
    }
  });
});
