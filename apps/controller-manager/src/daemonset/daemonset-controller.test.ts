import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, DaemonSet, Node, Pod } from '@skiff/api';
import { DaemonSetSyncer } from './daemonset-controller.ts';
import { FakeWorld } from '../statefulset/fake-world.ts';
import { targetNodeName } from './node-eligibility.ts';

function newDaemonSet(opts: { image?: string; nodeSelector?: Record<string, string>; maxSurge?: number; maxUnavailable?: number } = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: opts.maxUnavailable ?? 1, maxSurge: opts.maxSurge ?? 0 } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { containers: [{ name: 'agent', image: opts.image ?? 'agent:1' }], ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}) },
      },
    },
  };
}

function node(
  name: string,
  labels: Record<string, string> = {},
  taints: Node['spec'] extends infer S ? (S extends { taints?: infer T } ? T : never) : never = [],
): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } };
}

function setup(ds: DaemonSet, nodes: Node[]) {
  const world = new FakeWorld();
  world.add('DaemonSet', ds);
  for (const n of nodes) world.add('Node', n);
  const syncer = new DaemonSetSyncer({
    client: world.client,
    recorder: world.recorder,
    now: () => world.now,
    daemonSets: world.cache<DaemonSet>('DaemonSet'),
    pods: world.cache<Pod>('Pod'),
    revisions: world.cache<ControllerRevision>('ControllerRevision'),
    nodes: world.cache<Node>('Node'),
  });
  // The fake watch is instant: creations are observed as they happen.
  const sync = async () => {
    const result = await syncer.sync('default/agent');
    for (let i = 0; i < 10; i++) syncer.expectations.creationObserved('default/agent');
    return result;
  };
  const current = () => world.cache<DaemonSet>('DaemonSet').get('default', 'agent')!;
  /** Pods by their node, as "node=image". */
  const placement = () =>
    world
      .cache<Pod>('Pod')
      .list('default')
      .filter((p) => !p.metadata?.deletionTimestamp)
      .map((p) => `${targetNodeName(p)}=${p.spec?.containers[0].image}`)
      .sort();
  return { world, sync, current, placement };
}

test('one pod per node, placed through the scheduler with node affinity and daemon tolerations', async () => {
  const { world, sync, current, placement } = setup(newDaemonSet(), [node('n1'), node('n2')]);
  await sync();
  assert.deepEqual(placement(), ['n1=agent:1', 'n2=agent:1']);
  const pod = world.cache<Pod>('Pod').list()[0];
  assert.equal(pod.spec?.nodeName, undefined, 'the scheduler binds it');
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  assert.equal(terms?.length, 1);
  assert.equal(terms?.[0].matchFields?.[0].key, 'metadata.name');
  assert.deepEqual(
    pod.spec?.tolerations?.map((t) => `${t.key}:${t.effect}`),
    [
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ],
  );
  const revision = world.cache<ControllerRevision>('ControllerRevision').list()[0];
  const hash = revision.metadata?.labels?.['controller-revision-hash'];
  assert.equal(revision.metadata?.name, `agent-${hash}`);
  assert.equal(pod.metadata?.labels?.['controller-revision-hash'], hash);
  assert.equal((revision.data as any).spec.template.$patch, 'replace');
  world.runPods();
  await sync();
  const status = current().status!;
  assert.deepEqual(
    [
      status.desiredNumberScheduled,
      status.currentNumberScheduled,
      status.numberReady,
      status.numberAvailable,
      status.updatedNumberScheduled,
      status.numberUnavailable,
      status.numberMisscheduled,
      status.observedGeneration,
    ],
    [2, 2, 2, 2, 2, 0, 0, 1],
  );
});

test('nodeSelector: a node that gains the label gets a pod, one that loses it loses it; a new node gets one', async () => {
  const { world, sync, placement } = setup(newDaemonSet({ nodeSelector: { disk: 'ssd' } }), [node('n1', { disk: 'ssd' }), node('n2')]);
  await sync();
  assert.deepEqual(placement(), ['n1=agent:1']);
  world.edit<Node>('Node', '', 'n2', (n) => void (n.metadata!.labels = { disk: 'ssd' }));
  world.edit<Node>('Node', '', 'n1', (n) => void (n.metadata!.labels = {}));
  await sync();
  assert.deepEqual(placement(), ['n2=agent:1']);
  world.add('Node', node('n3', { disk: 'ssd' }));
  await sync();
  assert.deepEqual(placement(), ['n2=agent:1', 'n3=agent:1']);
  world.cache<Node>('Node').remove(world.cache<Node>('Node').get(undefined, 'n3')!);
  await sync();
  assert.deepEqual(placement(), ['n2=agent:1'], 'the pod of a node that is gone is deleted');
});

test('taints: an untolerated NoSchedule taint keeps the daemon off; a toleration lets it on; cordoned nodes run it', async () => {
  const tainted = node('n2', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
  const cordoned = node('n3', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]);
  const { world, sync, placement } = setup(newDaemonSet(), [node('n1'), tainted, cordoned]);
  await sync();
  assert.deepEqual(placement(), ['n1=agent:1', 'n3=agent:1']);
  world.edit<DaemonSet>(
    'DaemonSet',
    'default',
    'agent',
    (ds) => void (ds.spec!.template!.spec!.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }]),
  );
  await sync();
  assert.deepEqual(
    placement().map((p) => p.split('=')[0]),
    ['n1', 'n2', 'n3'],
  );
});

test('an untolerated NoExecute taint evicts the daemon pod; NoSchedule alone does not', async () => {
  const { world, sync, placement } = setup(newDaemonSet(), [node('n1'), node('n2')]);
  await sync();
  world.edit<Node>('Node', '', 'n1', (n) => void (n.spec = { taints: [{ key: 'x', effect: 'NoSchedule' }] }));
  world.edit<Node>('Node', '', 'n2', (n) => void (n.spec = { taints: [{ key: 'y', effect: 'NoExecute' }] }));
  await sync();
  assert.deepEqual(placement(), ['n1=agent:1']);
  await sync();
  const { numberMisscheduled } = world.cache<DaemonSet>('DaemonSet').get('default', 'agent')!.status!;
  assert.equal(numberMisscheduled, 1, 'n1 should not get a new one, but keeps the running one');
});

test('a failed pod is replaced, with a backoff before the next replacement', async () => {
  const { world, sync, placement } = setup(newDaemonSet(), [node('n1')]);
  await sync();
  const name = world.podNames()[0];
  world.setPodPhase('default', name, 'Failed');
  await sync();
  assert.deepEqual(world.podNames(), []);
  assert.ok(world.takeEvents().includes(`FailedDaemonPod: Found failed daemon pod default/${name} on node n1, will try to kill it`));
  await sync();
  assert.deepEqual(placement(), ['n1=agent:1']);
  const again = world.podNames()[0];
  world.setPodPhase('default', again, 'Failed');
  const result = await sync();
  assert.deepEqual(world.podNames(), [again], 'within the backoff: kept for now');
  assert.ok(result && result.requeueAfter! > 0);
  world.now = new Date(world.now.getTime() + 5000);
  await sync();
  assert.deepEqual(world.podNames(), []);
});

test('RollingUpdate, maxUnavailable 1: one node at a time, the next once the new pod is available', async () => {
  const { world, sync, current, placement } = setup(newDaemonSet(), [node('n1'), node('n2'), node('n3')]);
  await sync();
  world.runPods();
  world.edit<DaemonSet>('DaemonSet', 'default', 'agent', (ds) => void (ds.spec!.template!.spec!.containers[0].image = 'agent:2'));
  await sync();
  assert.deepEqual(placement(), ['n2=agent:1', 'n3=agent:1']);
  await sync();
  assert.deepEqual(placement(), ['n1=agent:2', 'n2=agent:1', 'n3=agent:1']);
  await sync();
  assert.deepEqual(placement(), ['n1=agent:2', 'n2=agent:1', 'n3=agent:1'], 'the new pod is not available yet');
  for (let i = 0; i < 6; i++) {
    world.runPods();
    await sync();
  }
  world.runPods();
  await sync();
  assert.deepEqual(placement(), ['n1=agent:2', 'n2=agent:2', 'n3=agent:2']);
  const status = current().status!;
  assert.equal(status.updatedNumberScheduled, 3);
  assert.equal(status.numberAvailable, 3);
  assert.equal(status.observedGeneration, 2);
  assert.deepEqual(
    world
      .cache<ControllerRevision>('ControllerRevision')
      .list()
      .map((r) => r.revision)
      .sort(),
    [1, 2],
  );
});

test('RollingUpdate with maxSurge: the new pod starts beside the old, which goes once the new is available', async () => {
  const { world, sync, placement } = setup(newDaemonSet({ maxSurge: 1, maxUnavailable: 0 }), [node('n1'), node('n2')]);
  await sync();
  world.runPods();
  world.edit<DaemonSet>('DaemonSet', 'default', 'agent', (ds) => void (ds.spec!.template!.spec!.containers[0].image = 'agent:2'));
  await sync();
  assert.deepEqual(placement(), ['n1=agent:1', 'n1=agent:2', 'n2=agent:1']);
  await sync();
  assert.deepEqual(placement(), ['n1=agent:1', 'n1=agent:2', 'n2=agent:1'], 'waiting for the new pod');
  world.runPods();
  await sync();
  // n1's new pod is available: its old one goes, and n2 surges in the same pass.
  assert.deepEqual(placement(), ['n1=agent:2', 'n2=agent:1', 'n2=agent:2']);
  world.runPods();
  await sync();
  assert.deepEqual(placement(), ['n1=agent:2', 'n2=agent:2']);
});

test('OnDelete: pods are replaced only when deleted', async () => {
  const ds = newDaemonSet();
  ds.spec!.updateStrategy = { type: 'OnDelete' };
  const { world, sync, placement } = setup(ds, [node('n1')]);
  await sync();
  world.runPods();
  world.edit<DaemonSet>('DaemonSet', 'default', 'agent', (d) => void (d.spec!.template!.spec!.containers[0].image = 'agent:2'));
  await sync();
  assert.deepEqual(placement(), ['n1=agent:1']);
  await world.client.delete({ kind: 'Pod', resource: 'pods' } as any, 'default', world.podNames()[0]);
  await sync();
  assert.deepEqual(placement(), ['n1=agent:2']);
});
