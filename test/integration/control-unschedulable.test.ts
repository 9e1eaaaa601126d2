/**
 * Pods that fit nowhere — too much cpu, a nodeSelector no node matches — stay Pending with
 * PodScheduled=False/Unschedulable, kube's message and a FailedScheduling event, and are
 * scheduled once a node that fits joins (no hot loop in between).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Event, type Pod } from '@skiff/api';
import { eventually, startControlPlane, startHollowNodes, waitForReadyNodes, type ControlPlane } from '../harness/index.ts';

// Ports 24750-24751 (etcd) and 24850 (apiserver) belong to this file.
const BASE_PORT = 24750;
const NS = 'default';

const PODS = findResourceByKind('v1', 'Pod')!;
const EVENTS = findResourceByKind('v1', 'Event')!;

const pod = (name: string, spec: Partial<NonNullable<Pod['spec']>>, requests: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS },
  spec: { containers: [{ name: 'app', image: 'registry.local/app:1', resources: { requests } }], ...spec },
});

const scheduledCondition = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');

describe('unschedulable pods', { timeout: 120_000 }, () => {
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane({ basePort: BASE_PORT, kubelet: { cpu: '4', memory: '16Gi' } });
  });
  after(async () => {
    await cp?.stop();
  });

  const expectUnschedulable = (name: string, message: string) =>
    eventually(async () => {
      const p = await cp.client.get<Pod>(PODS, NS, name);
      assert.equal(p.spec?.nodeName, undefined, `${name} is not bound`);
      assert.equal(p.status?.phase, 'Pending');
      const cond = scheduledCondition(p);
      assert.equal(cond?.status, 'False', `PodScheduled of ${name}: ${JSON.stringify(cond)}`);
      assert.equal(cond?.reason, 'Unschedulable');
      assert.equal(cond?.message, message);
      const events = (await cp.client.list<Event>(EVENTS, NS)).items.filter(
        (e) => e.involvedObject?.kind === 'Pod' && e.involvedObject?.name === name && e.reason === 'FailedScheduling',
      );
      assert.ok(events.length > 0, `a FailedScheduling event for ${name}`);
      assert.equal(events[0].type, 'Warning');
      assert.equal(events[0].message, message);
      return events;
    }, 20_000);

  it('reports Insufficient cpu and a node selector that matches nothing in kube words', async () => {
    await cp.client.create(PODS, pod('huge', {}, { cpu: '10' }));
    await cp.client.create(PODS, pod('picky', { nodeSelector: { disk: 'ssd' } }));
    await expectUnschedulable(
      'huge',
      '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    await expectUnschedulable(
      'picky',
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );

    // Retried on cluster changes with backoff, not in a hot loop: a few seconds later the
    // event count has grown by little, if at all.
    const countOf = async () =>
      (await cp.client.list<Event>(EVENTS, NS)).items
        .filter((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'huge')
        .reduce((sum, e) => sum + (e.count ?? 1), 0);
    const before_ = await countOf();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const after_ = await countOf();
    assert.ok(after_ - before_ <= 5, `FailedScheduling for huge went from ${before_} to ${after_} in 5 s`);
  });

  it('schedules both once a big node with the label joins', async () => {
    const big = await startHollowNodes(cp.cluster, { prefix: 'big-', cpu: '16', memory: '64Gi', labels: 'disk=ssd' });
    cp.kubelets.push(big); // stopped with the rest by cp.stop()
    await waitForReadyNodes(cp.client, 4, 30_000);
    for (const name of ['huge', 'picky']) {
      await eventually(async () => {
        const p = await cp.client.get<Pod>(PODS, NS, name);
        assert.match(p.spec?.nodeName ?? '', /^big-/, `${name} lands on the big node`);
        assert.equal(scheduledCondition(p)?.status, 'True');
        assert.equal(p.status?.phase, 'Running');
      }, 30_000);
    }
    const events = (await cp.client.list<Event>(EVENTS, NS)).items.filter((e) => e.reason === 'Scheduled' && e.involvedObject?.name === 'huge');
    assert.ok(events.length > 0, 'a Scheduled event for huge');
    assert.match(events[0].message ?? '', /Successfully assigned default\/huge to big-/);
  });
});
