/**
 * The seed's flow on hollow nodes: a Deployment of 3 becomes one ReplicaSet named with the
 * pod-template hash, 3 pods bound to 3 different nodes, Running and Ready; status follows;
 * scaling to 5 and then 2 is honoured; the controllers leave their events behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Deployment, type Event, type Pod, type ReplicaSet } from '@skiff/api';
import { eventually, startControlPlane, type ControlPlane } from '../harness/index.ts';

// Ports 24700-24701 (etcd) and 24800 (apiserver) belong to this file.
const BASE_PORT = 24700;
const NS = 'default';

const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;
const REPLICASETS = findResourceByKind('apps/v1', 'ReplicaSet')!;
const PODS = findResourceByKind('v1', 'Pod')!;
const EVENTS = findResourceByKind('v1', 'Event')!;

const isReady = (pod: Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

describe('Deployment → ReplicaSet → pods on hollow nodes', { timeout: 120_000 }, () => {
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane({ basePort: BASE_PORT });
  });
  after(async () => {
    await cp?.stop();
  });

  const activePods = async () => (await cp.client.list<Pod>(PODS, NS, { labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);

  it('creates one hash-named ReplicaSet and 3 Running, Ready pods on 3 different nodes', async () => {
    await cp.client.create<Deployment>(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'registry.local/web:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
        },
      },
    });

    const rs = await eventually(async () => {
      const sets = (await cp.client.list<ReplicaSet>(REPLICASETS, NS)).items;
      assert.equal(sets.length, 1, 'exactly one ReplicaSet');
      return sets[0];
    }, 20_000);
    const hash = rs.metadata?.labels?.['pod-template-hash'];
    assert.ok(hash, 'the ReplicaSet carries the pod-template-hash label');
    assert.equal(rs.metadata?.name, `web-${hash}`);
    assert.equal(rs.spec?.selector?.matchLabels?.['pod-template-hash'], hash);
    const owner = rs.metadata?.ownerReferences?.[0];
    assert.equal(owner?.kind, 'Deployment');
    assert.equal(owner?.name, 'web');
    assert.equal(owner?.controller, true);
    assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');

    const pods = await eventually(async () => {
      const ps = await activePods();
      assert.equal(ps.length, 3);
      for (const p of ps) {
        assert.ok(p.spec?.nodeName, `${p.metadata?.name} is bound`);
        assert.equal(p.status?.phase, 'Running', `${p.metadata?.name} is Running`);
        assert.ok(isReady(p), `${p.metadata?.name} is Ready`);
        assert.ok(p.status?.podIP, `${p.metadata?.name} has an IP`);
      }
      return ps;
    }, 45_000);
    for (const p of pods) {
      assert.ok(p.metadata?.name?.startsWith(`web-${hash}-`), `${p.metadata?.name} is named after its ReplicaSet`);
      assert.equal(p.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid, 'owned by the ReplicaSet');
    }
    const nodes = new Set(pods.map((p) => p.spec?.nodeName));
    assert.equal(nodes.size, 3, `spread over 3 nodes, got ${[...nodes].join(', ')}`);

    await eventually(async () => {
      const d = await cp.client.get<Deployment>(DEPLOYMENTS, NS, 'web');
      assert.equal(d.status?.observedGeneration, d.metadata?.generation);
      assert.equal(d.status?.replicas, 3);
      assert.equal(d.status?.readyReplicas, 3);
      assert.equal(d.status?.updatedReplicas, 3);
      assert.equal(d.status?.availableReplicas, 3);
      const available = d.status?.conditions?.find((c) => c.type === 'Available');
      assert.equal(available?.status, 'True');
    }, 20_000);
  });

  it('scales to 5, then to 2', async () => {
    for (const replicas of [5, 2]) {
      await cp.client.patch<Deployment>(DEPLOYMENTS, NS, 'web', 'merge', { spec: { replicas } });
      await eventually(async () => {
        const ps = await activePods();
        assert.equal(ps.length, replicas, `${replicas} active pods`);
        assert.ok(
          ps.every((p) => p.status?.phase === 'Running' && isReady(p)),
          'all Running and Ready',
        );
        const d = await cp.client.get<Deployment>(DEPLOYMENTS, NS, 'web');
        assert.equal(d.status?.observedGeneration, d.metadata?.generation);
        assert.equal(d.status?.readyReplicas, replicas);
        assert.equal(d.status?.replicas, replicas);
      }, 45_000);
    }
    // Scaling is not a new template: still one ReplicaSet.
    const sets = (await cp.client.list<ReplicaSet>(REPLICASETS, NS)).items;
    assert.equal(sets.length, 1);
    assert.equal(sets[0].spec?.replicas, 2);
  });

  it('records ScalingReplicaSet and SuccessfulCreate events', async () => {
    await eventually(async () => {
      const events = (await cp.client.list<Event>(EVENTS, NS)).items;
      const scaling = events.filter((e) => e.reason === 'ScalingReplicaSet' && e.involvedObject?.kind === 'Deployment');
      assert.ok(scaling.length > 0, `ScalingReplicaSet on the Deployment; reasons seen: ${[...new Set(events.map((e) => e.reason))].join(', ')}`);
      assert.match(scaling.map((e) => e.message).join('\n'), /Scaled (up|down) replica set web-/);
      const created = events.filter((e) => e.reason === 'SuccessfulCreate' && e.involvedObject?.kind === 'ReplicaSet');
      assert.ok(created.length > 0, 'SuccessfulCreate on the ReplicaSet');
      assert.match(created[0].message ?? '', /Created pod: web-/);
      assert.equal(created[0].type, 'Normal');
    }, 15_000);
  });
});
