import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import type { Binder } from './binder.ts';
import { Scheduler, type EventSink } from './scheduler.ts';
import { makeNode, makePod } from './test-fixtures.ts';

class FakeBinder implements Binder {
  readonly bindings: [string, string][] = [];
  readonly unschedulable = new Map<string, string>();
  readonly nominated = new Map<string, string>();
  readonly preempted: string[] = [];
  failNext: Error | undefined;

  async bind(pod: Pod, nodeName: string): Promise<void> {
    await Promise.resolve();
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    this.bindings.push([pod.metadata!.name!, nodeName]);
  }

  async markUnschedulable(pod: Pod, message: string, nominatedNodeName?: string): Promise<void> {
    this.unschedulable.set(pod.metadata!.name!, message);
    if (nominatedNodeName !== undefined) this.nominated.set(pod.metadata!.name!, nominatedNodeName);
  }

  async preemptVictim(victim: Pod, message: string): Promise<void> {
    this.preempted.push(`${victim.metadata!.name}: ${message}`);
  }

  async clearNominatedNode(pod: Pod): Promise<void> {
    this.nominated.set(pod.metadata!.name!, '');
  }
}

class FakeRecorder implements EventSink {
  readonly events: string[] = [];
  event(obj: { metadata: { name?: string } }, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${obj.metadata.name}: ${message}`);
  }
}

function newScheduler(t: { after(fn: () => void): void }) {
  const binder = new FakeBinder();
  const recorder = new FakeRecorder();
  const scheduler = new Scheduler({ binder, recorder, queue: { initialBackoffMs: 1, maxBackoffMs: 1, flushIntervalMs: 5 } });
  t.after(() => scheduler.queue.close());
  return { scheduler, binder, recorder };
}

/** Runs scheduling attempts until the active queue is empty and bindings settled. */
async function drain(scheduler: Scheduler): Promise<void> {
  while (scheduler.queue.lengths().active > 0) await scheduler.scheduleOne();
  await scheduler.waitForBindings();
}

/** What the watch would deliver after a binding: the pod with spec.nodeName. */
function confirmBindings(scheduler: Scheduler, binder: FakeBinder, pods: Map<string, Pod>): void {
  for (const [name, node] of binder.bindings) {
    const old = pods.get(name)!;
    scheduler.onPodUpdate(old, { ...old, spec: { ...old.spec!, nodeName: node } });
  }
}

test("an owner's pods spread over three equal nodes, and resources are assumed before binding", async (t) => {
  const { scheduler, binder, recorder } = newScheduler(t);
  for (const name of ['n1', 'n2', 'n3']) scheduler.onNodeAdd(makeNode(name, { cpu: '2' }));
  const pods = new Map<string, Pod>();
  for (let i = 0; i < 6; i++) {
    const pod = makePod(`web-${i}`, { cpu: '500m', ownerUid: 'rs-1' });
    pods.set(pod.metadata!.name!, pod);
    scheduler.onPodAdd(pod);
  }
  await drain(scheduler);
  assert.equal(binder.bindings.length, 6);
  const perNode = new Map<string, number>();
  for (const [, node] of binder.bindings) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  assert.deepEqual([...perNode.values()], [2, 2, 2], `bindings: ${JSON.stringify(binder.bindings)}`);
  assert.ok(recorder.events.includes(`Normal Scheduled web-0: Successfully assigned default/web-0 to ${binder.bindings[0]![1]}`));
  confirmBindings(scheduler, binder, pods);
  assert.equal(scheduler.cache.getNode('n1')!.requestedCpu, 1000);
  assert.equal(scheduler.cache.podCount(), 6);
  assert.equal(scheduler.pendingCount(), 0);
});

test("a pod too large for every node gets kube's message and waits for a fitting node", async (t) => {
  const { scheduler, binder, recorder } = newScheduler(t);
  for (const name of ['n1', 'n2', 'n3']) scheduler.onNodeAdd(makeNode(name, { cpu: '2' }));
  scheduler.onPodAdd(makePod('big', { cpu: '3' }));
  await drain(scheduler);
  const message = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
  assert.equal(binder.unschedulable.get('big'), message);
  assert.deepEqual(recorder.events, [`Warning FailedScheduling big: ${message}`]);
  assert.equal(binder.bindings.length, 0);
  assert.ok(scheduler.queue.isUnschedulable('default/big'));
  // Unrelated pod updates (our own status patch) do not wake it.
  const big = makePod('big', { cpu: '3' });
  scheduler.onPodUpdate(big, { ...big, status: { phase: 'Pending', conditions: [] } });
  assert.ok(scheduler.queue.isUnschedulable('default/big'));
  scheduler.onNodeAdd(makeNode('n4', { cpu: '4' }));
  await new Promise((resolve) => setTimeout(resolve, 20)); // past the 1 ms backoff
  scheduler.queue.flush();
  await drain(scheduler);
  assert.deepEqual(binder.bindings, [['big', 'n4']]);
});

test('a nodeSelector matching nothing, then a matching node appears', async (t) => {
  const { scheduler, binder } = newScheduler(t);
  scheduler.onNodeAdd(makeNode('n1', { cpu: '1' }));
  scheduler.onNodeAdd(makeNode('n2', { labels: { disk: 'hdd' } }));
  scheduler.onNodeAdd(makeNode('n3', { labels: { disk: 'hdd' } }));
  scheduler.onPodAdd(makePod('needs-ssd', { nodeSelector: { disk: 'ssd' }, cpu: '2' }));
  await drain(scheduler);
  assert.equal(
    binder.unschedulable.get('needs-ssd'),
    "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  );
  const old = makeNode('n2', { labels: { disk: 'hdd' } });
  scheduler.onNodeUpdate(old, makeNode('n2', { labels: { disk: 'ssd' } }));
  await new Promise((resolve) => setTimeout(resolve, 20));
  scheduler.queue.flush();
  await drain(scheduler);
  assert.deepEqual(binder.bindings, [['needs-ssd', 'n2']]);
});

test('a failed binding forgets the assumed pod and retries after backoff', async (t) => {
  const { scheduler, binder } = newScheduler(t);
  scheduler.onNodeAdd(makeNode('n1', { cpu: '1' }));
  binder.failNext = new Error('connection reset');
  scheduler.onPodAdd(makePod('p', { cpu: '1' }));
  await drain(scheduler);
  assert.equal(binder.bindings.length, 0);
  assert.equal(scheduler.cache.getNode('n1')!.requestedCpu, 0, 'assumption undone');
  await new Promise((resolve) => setTimeout(resolve, 20));
  scheduler.queue.flush();
  await drain(scheduler);
  assert.deepEqual(binder.bindings, [['p', 'n1']]);
});

test('a conflict (already bound) is not retried; pods of other schedulers are ignored', async (t) => {
  const { scheduler, binder } = newScheduler(t);
  scheduler.onNodeAdd(makeNode('n1'));
  binder.failNext = new ApiStatusError(
    { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409, message: 'already assigned' },
    'bind',
  );
  scheduler.onPodAdd(makePod('p'));
  const other = makePod('other');
  other.spec!.schedulerName = 'my-scheduler';
  scheduler.onPodAdd(other);
  await drain(scheduler);
  await new Promise((resolve) => setTimeout(resolve, 20));
  scheduler.queue.flush();
  await drain(scheduler);
  assert.deepEqual(binder.bindings, []);
  assert.deepEqual(scheduler.queue.lengths(), { active: 0, backoff: 0, unschedulable: 0 });
});

test('deleting a bound pod frees room for a parked one', async (t) => {
  const { scheduler, binder } = newScheduler(t);
  scheduler.onNodeAdd(makeNode('n1', { cpu: '1' }));
  const running = makePod('running', { cpu: '1', nodeName: 'n1' });
  scheduler.onPodAdd(running);
  scheduler.onPodAdd(makePod('waiting', { cpu: '1' }));
  await drain(scheduler);
  assert.equal(
    binder.unschedulable.get('waiting'),
    '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  );
  scheduler.onPodDelete(running);
  await new Promise((resolve) => setTimeout(resolve, 20));
  scheduler.queue.flush();
  await drain(scheduler);
  assert.deepEqual(binder.bindings, [['waiting', 'n1']]);
});

test('a high-priority pod preempts the cheapest victim, is nominated, and binds there once it is gone', async (t) => {
  const { scheduler, binder, recorder } = newScheduler(t);
  const victims = new Map<string, Pod>();
  for (const [node, priority] of [
    ['n1', 10],
    ['n2', 1],
  ] as const) {
    scheduler.onNodeAdd(makeNode(node, { cpu: '2' }));
    const pod = makePod(`low-${node}`, { cpu: '2', nodeName: node, priority });
    victims.set(node, pod);
    scheduler.onPodAdd(pod);
  }
  const preemptor = makePod('urgent', { cpu: '2', priority: 1000 });
  scheduler.onPodAdd(preemptor);
  await drain(scheduler);
  assert.deepEqual(binder.preempted, ['low-n2: default-scheduler: preempting to accommodate a higher priority pod']);
  assert.equal(binder.nominated.get('urgent'), 'n2');
  assert.equal(binder.unschedulable.get('urgent'), '0/2 nodes are available: 2 Insufficient cpu.');
  assert.ok(recorder.events.includes('Normal Preempted low-n2: Preempted by pod uid-urgent on node n2'));
  assert.equal(scheduler.nominator.nodeOf('default/urgent'), 'n2');

  // A lower-priority pod arriving meanwhile must not take the room being freed.
  scheduler.onPodAdd(makePod('late', { cpu: '2', priority: 5 }));
  await drain(scheduler);
  assert.deepEqual(binder.bindings, []);

  scheduler.onPodDelete(victims.get('n2')!);
  await new Promise((resolve) => setTimeout(resolve, 20));
  scheduler.queue.flush();
  await drain(scheduler);
  assert.deepEqual(binder.bindings, [['urgent', 'n2']]);
  assert.equal(scheduler.nominator.size, 0);
});

test("preemptionPolicy Never waits, with upstream's words", async (t) => {
  const { scheduler, binder } = newScheduler(t);
  scheduler.onNodeAdd(makeNode('n1', { cpu: '1' }));
  scheduler.onPodAdd(makePod('low', { cpu: '1', nodeName: 'n1', priority: 1 }));
  scheduler.onPodAdd(makePod('polite', { cpu: '1', priority: 1000, preemptionPolicy: 'Never' }));
  await drain(scheduler);
  assert.equal(binder.unschedulable.get('polite'), '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
  assert.deepEqual(binder.preempted, []);
  assert.equal(binder.nominated.has('polite'), false);
});

test('with room for one, the higher-priority of two pending pods gets it', async (t) => {
  const { scheduler, binder } = newScheduler(t);
  scheduler.onPodAdd(makePod('first-but-low', { cpu: '1', priority: 1 }));
  scheduler.onPodAdd(makePod('second-but-high', { cpu: '1', priority: 100 }));
  scheduler.onNodeAdd(makeNode('n1', { cpu: '1' }));
  await drain(scheduler);
  assert.deepEqual(binder.bindings, [['second-but-high', 'n1']]);
});
