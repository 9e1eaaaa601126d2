/**
 * Priority and preemption on a real control plane with three hollow 2-cpu nodes filled by
 * low-priority pods: a pod of a higher PriorityClass preempts one of them (nominatedNodeName,
 * the victim's DisruptionTarget condition, its Preempted event) and is scheduled, choosing the
 * one filler no PodDisruptionBudget guards; a class with
 * preemptionPolicy Never waits Pending with upstream's FailedScheduling words; and when room
 * for one pod opens, the higher-priority of two waiting pods takes it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Event, type Pod, type PodDisruptionBudget, type PriorityClass } from '@skiff/api';
import {
  eventually,
  kubectl,
  kubectlBinaries,
  openWatch,
  startControlPlane,
  type ControlPlane,
  type StreamedEvent,
  type WatchStream,
} from '../harness/index.ts';

// Ports 20700-20701 (etcd) and 20750 (apiserver) belong to this file.
const BASE_PORT = 20700;
const NS = 'default';

const PODS = findResourceByKind('v1', 'Pod')!;
const EVENTS = findResourceByKind('v1', 'Event')!;
const CLASSES = findResourceByKind('scheduling.k8s.io/v1', 'PriorityClass')!;
const BUDGETS = findResourceByKind('policy/v1', 'PodDisruptionBudget')!;

const priorityClass = (name: string, value: number, preemptionPolicy?: string): PriorityClass => ({
  apiVersion: 'scheduling.k8s.io/v1',
  kind: 'PriorityClass',
  metadata: { name },
  value,
  ...(preemptionPolicy ? { preemptionPolicy } : {}),
});

// Every pod asks for a whole node (2 cpu), so each node holds exactly one.
const pod = (name: string, priorityClassName: string, app = 'other'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, labels: { app } },
  spec: {
    priorityClassName,
    containers: [{ name: 'app', image: 'registry.local/app:1', resources: { requests: { cpu: '2' } } }],
  },
});

describe('scheduler priority and preemption', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let watch: WatchStream | undefined;

  before(async () => {
    cp = await startControlPlane({ basePort: BASE_PORT, apiServerPort: 20750, etcdMembers: 1, kubelet: { cpu: '2', memory: '4Gi' } });
    await cp.client.create(CLASSES, priorityClass('batch-low', 10));
    await cp.client.create(CLASSES, priorityClass('batch-low-waiting', 20, 'Never'));
    await cp.client.create(CLASSES, priorityClass('urgent', 1000));
    await cp.client.create(CLASSES, priorityClass('urgent-polite', 1000, 'Never'));
    // filler-0 and filler-1 are guarded by a budget that allows no disruption; filler-2 is not.
    for (let i = 0; i < 3; i++) await cp.client.create(PODS, pod(`filler-${i}`, 'batch-low', i < 2 ? 'guarded' : 'free'));
    await cp.client.create<PodDisruptionBudget>(BUDGETS, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'guarded', namespace: NS },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } },
    });
    await eventually(async () => {
      const pods = (await cp.client.list<Pod>(PODS, NS)).items;
      assert.equal(pods.filter((p) => p.status?.phase === 'Running').length, 3, 'three fillers running, one per node');
      const budget = await cp.client.get<PodDisruptionBudget>(BUDGETS, NS, 'guarded');
      assert.equal(budget.status?.currentHealthy, 2);
      assert.equal(budget.status?.disruptionsAllowed, 0);
    }, 30_000);
  });
  after(async () => {
    watch?.close();
    await cp?.stop();
  });

  const get = (name: string) => cp.client.get<Pod>(PODS, NS, name);
  const eventsFor = async (name: string, reason: string) =>
    (await cp.client.list<Event>(EVENTS, NS)).items.filter((e) => e.involvedObject?.name === name && e.reason === reason);
  const runningFillers = async () =>
    (await cp.client.list<Pod>(PODS, NS)).items.filter((p) => p.metadata?.name?.startsWith('filler-') && !p.metadata.deletionTimestamp);

  it('the Priority admission plugin resolved the classes into spec.priority', async () => {
    const filler = await get('filler-0');
    assert.equal(filler.spec?.priority, 10);
    assert.equal(filler.spec?.preemptionPolicy, 'PreemptLowerPriority');
  });

  it('a pod whose class says preemptionPolicy Never waits Pending with upstream FailedScheduling words', async () => {
    await cp.client.create(PODS, pod('polite', 'urgent-polite'));
    const message = '0/3 nodes are available: 3 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.';
    await eventually(async () => {
      const p = await get('polite');
      assert.equal(p.spec?.nodeName, undefined);
      const cond = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
      assert.equal(cond?.reason, 'Unschedulable');
      assert.equal(cond?.message, message);
      const events = await eventsFor('polite', 'FailedScheduling');
      assert.equal(events[0]?.type, 'Warning');
      assert.equal(events[0]?.message, message);
    }, 20_000);
    assert.equal((await runningFillers()).length, 3, 'nothing was preempted for it');
    await cp.client.delete(PODS, NS, 'polite', { gracePeriodSeconds: 0 });
  });

  it('a higher-priority pod preempts the one filler no budget guards, is nominated to its node and scheduled there', async () => {
    watch = await openWatch(
      cp.cluster.admin,
      `/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${(await cp.client.list<Pod>(PODS, NS)).metadata?.resourceVersion}`,
    );
    const created = await cp.client.create<Pod>(PODS, pod('vip', 'urgent'));
    const bound = await eventually(async () => {
      const p = await get('vip');
      assert.ok(p.spec?.nodeName, 'vip is bound');
      assert.equal(p.status?.phase, 'Running');
      return p;
    }, 40_000);
    const node = bound.spec!.nodeName!;
    const modified = (name: string) => watch!.events.filter((e: StreamedEvent) => e.type === 'MODIFIED' && e.object?.metadata?.name === name);
    assert.ok(
      modified('vip').some((e) => e.object.status?.nominatedNodeName === node),
      `vip was nominated to ${node} before binding`,
    );

    // The victim: the filler that ran on that node, marked, deleted, and gone.
    const victimEvent = watch.events.find((e) => e.object?.metadata?.name?.startsWith('filler-') && e.object.spec?.nodeName === node);
    const victim = victimEvent!.object.metadata.name as string;
    assert.equal(victim, 'filler-2', 'the node without a PodDisruptionBudget violation is chosen');
    const marked = modified(victim).find((e) => e.object.status?.conditions?.some((c: { type: string }) => c.type === 'DisruptionTarget'));
    const condition = marked?.object.status.conditions.find((c: { type: string }) => c.type === 'DisruptionTarget');
    assert.deepEqual(
      { status: condition?.status, reason: condition?.reason, message: condition?.message },
      { status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' },
    );
    assert.ok(
      watch.events.some((e) => e.type === 'DELETED' && e.object?.metadata?.name === victim),
      `${victim} is gone`,
    );
    const preempted = await eventually(async () => {
      const events = await eventsFor(victim, 'Preempted');
      assert.equal(events.length, 1);
      return events[0];
    }, 10_000);
    assert.equal(preempted.type, 'Normal');
    assert.equal(preempted.message, `Preempted by pod ${created.metadata!.uid} on node ${node}`);
    assert.equal((await runningFillers()).length, 2, 'exactly one victim');

    // What a user sees: kubectl (old and new) lists the event.
    for (const bin of await kubectlBinaries()) {
      const args = ['get', 'events', '--field-selector', 'reason=Preempted', '-o', 'jsonpath={.items[*].message}'];
      const out = await kubectl(bin, args, { kubeconfig: cp.cluster.kubeconfigPath });
      assert.equal(out.stdout, `Preempted by pod ${created.metadata!.uid} on node ${node}`, `${bin.name}: ${out.stderr}`);
    }
  });

  it('with room for one pod, the higher-priority of two waiting pods gets it', async () => {
    await cp.client.create(PODS, pod('waiting-low', 'batch-low'));
    await cp.client.create(PODS, pod('waiting-higher', 'batch-low-waiting'));
    for (const name of ['waiting-low', 'waiting-higher']) {
      await eventually(async () => assert.ok((await eventsFor(name, 'FailedScheduling')).length > 0, `${name} tried and parked`), 20_000);
    }
    // Past both pods' first backoff, so the freed room goes by priority alone.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const [filler] = await runningFillers();
    await cp.client.delete(PODS, NS, filler.metadata!.name!);
    await eventually(async () => {
      const higher = await get('waiting-higher');
      assert.equal(higher.spec?.nodeName, filler.spec?.nodeName, 'waiting-higher takes the freed node');
    }, 40_000);
    const low = await get('waiting-low');
    assert.equal(low.spec?.nodeName, undefined, 'waiting-low still waits');
    assert.equal(low.status?.phase, 'Pending');
  });
});
