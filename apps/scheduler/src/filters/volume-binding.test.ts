import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '@skiff/api';
import { makeNodeInfo, makePod } from '../test-fixtures.ts';
import { newPodInfo } from '../pod-info.ts';
import { Scheduler } from '../scheduler.ts';
import { filterVolumeBinding, resolvePodVolumes, type VolumeLister } from './volume-binding.ts';
import { NodeFinder } from '../node-finder.ts';
import { formatFitError } from '../fit-error.ts';

const pinnedTo = (node: string) => ({
  required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] },
});

const claim = (name: string, spec: PersistentVolumeClaim['spec'], annotations?: Record<string, string>): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});

const volume = (name: string, spec: PersistentVolume['spec'], phase = 'Available'): PersistentVolume => ({
  metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], ...spec },
  status: { phase },
});

const classes: Record<string, StorageClass> = {
  local: { metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
  'local-path': { metadata: { name: 'local-path' }, provisioner: 'skiff.dev/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
  standard: { metadata: { name: 'standard' }, provisioner: 'example.com/nfs', volumeBindingMode: 'Immediate' },
};

function lister(claims: PersistentVolumeClaim[], volumes: PersistentVolume[] = []): VolumeLister {
  return {
    getClaim: (_ns, name) => claims.find((c) => c.metadata?.name === name),
    getVolume: (name) => volumes.find((v) => v.metadata?.name === name),
    listVolumes: () => volumes,
    getClass: (name) => classes[name],
  };
}

function podWith(...claimNames: string[]): Pod {
  const pod = makePod('web');
  return { ...pod, spec: { ...pod.spec!, volumes: claimNames.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) } };
}

/** The scheduler's FitError message for the pod on nodes a, b, c. */
function fitMessage(pod: Pod, l: VolumeLister): string | string[] {
  const info = newPodInfo(pod);
  info.volumes = resolvePodVolumes(pod, l);
  const nodes = ['a', 'b', 'c'].map((n, i) => Object.assign(makeNodeInfo(n), { index: i }));
  const result = new NodeFinder().find(info, nodes);
  if (result.node) return nodes.filter((n) => !filterVolumeBinding(info, n)).map((n) => n.name);
  return formatFitError(result.numAllNodes, result.reasons);
}

test("volume binding, per kube's messages", async (t) => {
  const cases: { name: string; pod: Pod; lister: VolumeLister; want: string | string[] }[] = [
    { name: 'no claims: every node', pod: makePod('web'), lister: lister([]), want: ['a', 'b', 'c'] },
    { name: 'missing claim', pod: podWith('data'), lister: lister([]), want: '0/3 nodes are available: 3 persistentvolumeclaim "data" not found.' },
    {
      name: 'unbound Immediate claim',
      pod: podWith('data'),
      lister: lister([claim('data', { storageClassName: 'standard' })]),
      want: '0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims.',
    },
    {
      name: 'bound to a volume pinned to b',
      pod: podWith('data'),
      lister: lister([claim('data', { volumeName: 'pv' })], [volume('pv', { nodeAffinity: pinnedTo('b') }, 'Bound')]),
      want: ['b'],
    },
    {
      name: 'bound to a volume pinned to a node that is gone',
      pod: podWith('data'),
      lister: lister([claim('data', { volumeName: 'pv' })], [volume('pv', { nodeAffinity: pinnedTo('z') }, 'Bound')]),
      want: '0/3 nodes are available: 3 node(s) had volume node affinity conflict.',
    },
    {
      name: 'waiting claim with a provisioner: any node',
      pod: podWith('data'),
      lister: lister([claim('data', { storageClassName: 'local-path' })]),
      want: ['a', 'b', 'c'],
    },
    {
      name: 'waiting claim with a selected node: only it',
      pod: podWith('data'),
      lister: lister([claim('data', { storageClassName: 'local-path' }, { 'volume.kubernetes.io/selected-node': 'c' })]),
      want: ['c'],
    },
    {
      name: 'waiting claim, static volumes only: where one fits',
      pod: podWith('data'),
      lister: lister(
        [claim('data', { storageClassName: 'local' })],
        [
          volume('small-on-a', { storageClassName: 'local', capacity: { storage: '100Mi' }, nodeAffinity: pinnedTo('a') }),
          volume('on-b', { storageClassName: 'local', nodeAffinity: pinnedTo('b') }),
          volume('taken-on-c', { storageClassName: 'local', nodeAffinity: pinnedTo('c'), claimRef: { name: 'other', namespace: 'default' } }, 'Bound'),
        ],
      ),
      want: ['b'],
    },
    {
      name: 'waiting claim, no static volume fits',
      pod: podWith('data'),
      lister: lister([claim('data', { storageClassName: 'local' })]),
      want: "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind.",
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(fitMessage(c.pod, c.lister), c.want));
  }
});

test('PreBind: a waiting claim gets the chosen node before the pod is bound', async (t) => {
  const calls: string[] = [];
  const binder = {
    async bind(pod: Pod, node: string) {
      calls.push(`bind ${pod.metadata?.name} ${node}`);
    },
    async markUnschedulable() {},
    async selectNode(c: PersistentVolumeClaim, node: string) {
      calls.push(`select ${c.metadata?.name} ${node}`);
    },
  };
  const scheduler = new Scheduler({
    binder,
    volumes: lister([claim('data', { storageClassName: 'local-path' })]),
    queue: { initialBackoffMs: 1, maxBackoffMs: 1, flushIntervalMs: 5 },
  });
  t.after(() => scheduler.queue.close());
  scheduler.onNodeAdd(makeNodeInfo('a').node!);
  scheduler.onPodAdd(podWith('data'));
  await scheduler.scheduleOne();
  await scheduler.waitForBindings();
  assert.deepEqual(calls, ['select data a', 'bind web a']);
});
