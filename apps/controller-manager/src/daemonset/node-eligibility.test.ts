import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Node, Pod } from '@skiff/api';
import { affinityForNode, nodeShouldRunDaemonPod, targetNodeName, withDaemonTolerations } from './node-eligibility.ts';

type PodSpec = NonNullable<Pod['spec']>;

function ds(spec: Partial<PodSpec> = {}): DaemonSet {
  return { spec: { selector: { matchLabels: { app: 'a' } }, template: { spec: { containers: [{ name: 'a', image: 'a' }], ...spec } } } };
}

function node(labels: Record<string, string> = {}, taints: NonNullable<Node['spec']>['taints'] = []): Node {
  return { metadata: { name: 'n1', labels }, spec: { taints } };
}

const cases: { name: string; ds: DaemonSet; node: Node; run: boolean; stay: boolean }[] = [
  { name: 'plain node', ds: ds(), node: node(), run: true, stay: true },
  { name: 'nodeSelector matches', ds: ds({ nodeSelector: { disk: 'ssd' } }), node: node({ disk: 'ssd' }), run: true, stay: true },
  { name: 'nodeSelector does not match', ds: ds({ nodeSelector: { disk: 'ssd' } }), node: node({ disk: 'hdd' }), run: false, stay: false },
  {
    name: 'required affinity In matches',
    ds: ds({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] },
        },
      },
    }),
    node: node({ zone: 'b' }),
    run: true,
    stay: true,
  },
  {
    name: 'required affinity terms are ORed, an empty term matches nothing',
    ds: ds({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}, { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }] },
        },
      },
    }),
    node: node({ zone: 'b' }),
    run: false,
    stay: false,
  },
  {
    name: 'Gt compares integers',
    ds: ds({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }] },
        },
      },
    }),
    node: node({ cores: '8' }),
    run: true,
    stay: true,
  },
  { name: 'template nodeName elsewhere', ds: ds({ nodeName: 'other' }), node: node(), run: false, stay: false },
  { name: 'untolerated NoSchedule: not started, kept', ds: ds(), node: node({}, [{ key: 'k', effect: 'NoSchedule' }]), run: false, stay: true },
  { name: 'untolerated NoExecute: neither', ds: ds(), node: node({}, [{ key: 'k', effect: 'NoExecute' }]), run: false, stay: false },
  { name: 'PreferNoSchedule is ignored', ds: ds(), node: node({}, [{ key: 'k', effect: 'PreferNoSchedule' }]), run: true, stay: true },
  {
    name: 'tolerated taint',
    ds: ds({ tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }] }),
    node: node({}, [{ key: 'k', value: 'v', effect: 'NoExecute' }]),
    run: true,
    stay: true,
  },
  {
    name: 'cordoned (unschedulable taint) is tolerated by default',
    ds: ds(),
    node: node({}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]),
    run: true,
    stay: true,
  },
  {
    name: 'not-ready NoExecute is tolerated by default',
    ds: ds(),
    node: node({}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]),
    run: true,
    stay: true,
  },
  {
    name: 'network-unavailable only for hostNetwork',
    ds: ds(),
    node: node({}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]),
    run: false,
    stay: true,
  },
  {
    name: 'network-unavailable with hostNetwork',
    ds: ds({ hostNetwork: true }),
    node: node({}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]),
    run: true,
    stay: true,
  },
];

for (const c of cases) {
  test(`nodeShouldRunDaemonPod: ${c.name}`, () => {
    assert.deepEqual(nodeShouldRunDaemonPod(c.node, c.ds), { shouldRun: c.run, shouldContinueRunning: c.stay });
  });
}

test('withDaemonTolerations keeps the template’s own and adds the missing ones once', () => {
  const own = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 };
  const out = withDaemonTolerations([own], false);
  assert.equal(out.filter((t) => t.key === 'node.kubernetes.io/not-ready').length, 1);
  assert.equal(out[0], own);
  assert.equal(out.length, 6);
  assert.equal(withDaemonTolerations([], true).length, 7);
});

test('affinityForNode replaces the required terms and keeps the rest; targetNodeName reads it back', () => {
  const affinity = affinityForNode(
    {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }] } },
      podAntiAffinity: {},
    },
    'n7',
  );
  assert.deepEqual(affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
    { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] },
  ]);
  assert.deepEqual(affinity.podAntiAffinity, {});
  assert.equal(targetNodeName({ spec: { containers: [], affinity } }), 'n7');
  assert.equal(targetNodeName({ spec: { containers: [], nodeName: 'bound', affinity } }), 'bound');
});
