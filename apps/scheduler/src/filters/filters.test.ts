import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNodeInfo, makePodInfo, type NodeSpecInput, type PodSpecInput } from '../test-fixtures.ts';
import type { Filter } from './filter.ts';
import { filterNodeReadySchedulable } from './node-ready-schedulable.ts';
import { filterNodeResourcesFit } from './node-resources-fit.ts';
import { filterNodeSelector } from './node-selector.ts';
import { filterTaintToleration } from './taint-toleration.ts';
import { filterNodePorts } from './node-ports.ts';
import type { NodeInfo } from '../cache.ts';

interface Case {
  name: string;
  pod?: PodSpecInput;
  node?: NodeSpecInput;
  /** Pods already on the node. */
  existing?: PodSpecInput[];
  want: string[] | undefined;
}

function runCases(filter: Filter, cases: Case[]): void {
  for (const c of cases) {
    const node: NodeInfo = makeNodeInfo('n1', c.node);
    (c.existing ?? []).forEach((p, i) => node.addPod(makePodInfo(`existing-${i}`, p), 1));
    const got = filter(makePodInfo('p', c.pod), node);
    assert.deepEqual(got === undefined ? undefined : [...got], c.want, c.name);
  }
}

test('node-ready-schedulable', () => {
  runCases(filterNodeReadySchedulable, [
    { name: 'ready node', want: undefined },
    { name: 'not ready', node: { ready: 'False' }, want: ['node(s) were not ready'] },
    { name: 'unknown', node: { ready: 'Unknown' }, want: ['node(s) had unknown conditions'] },
    { name: 'no Ready condition', node: { ready: undefined }, want: ['node(s) had unknown conditions'] },
    { name: 'cordoned', node: { unschedulable: true }, want: ['node(s) were unschedulable'] },
    {
      name: 'cordoned but tolerated',
      node: { unschedulable: true },
      pod: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] },
      want: undefined,
    },
    { name: 'cordoned, wildcard toleration', node: { unschedulable: true }, pod: { tolerations: [{ operator: 'Exists' }] }, want: undefined },
  ]);
});

test('node-resources-fit', () => {
  runCases(filterNodeResourcesFit, [
    { name: 'fits', pod: { cpu: '1', memory: '1Gi' }, want: undefined },
    { name: 'exactly fills', pod: { cpu: '4', memory: '16Gi' }, want: undefined },
    { name: 'too much cpu', pod: { cpu: '4001m' }, want: ['Insufficient cpu'] },
    { name: 'too much memory', pod: { memory: '17Gi' }, want: ['Insufficient memory'] },
    { name: 'both short', pod: { cpu: '5', memory: '17Gi' }, want: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'requested by others', pod: { cpu: '2' }, existing: [{ cpu: '1500m' }, { cpu: '1' }], want: ['Insufficient cpu'] },
    { name: 'zero request fits an overcommitted node', pod: {}, existing: [{ cpu: '5' }], want: undefined },
    { name: 'pod count', node: { pods: '2' }, existing: [{}, {}], want: ['Too many pods'] },
    { name: 'pod count with room', node: { pods: '3' }, existing: [{}, {}], want: undefined },
    {
      name: 'init container larger than the containers counts',
      pod: { cpu: '1', initContainers: [{ name: 'init', resources: { requests: { cpu: '3500m' } } }] },
      existing: [{ cpu: '1' }],
      want: ['Insufficient cpu'],
    },
  ]);
});

test('node-selector and required node affinity', () => {
  const mismatch = ["node(s) didn't match Pod's node affinity/selector"];
  const term = (key: string, operator: string, values?: string[]) => ({
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator, values }] }] } } },
  });
  const labels = { disk: 'ssd', zone: 'a', cores: '8' };
  runCases(filterNodeSelector, [
    { name: 'no constraints', want: undefined },
    { name: 'nodeSelector matches', node: { labels }, pod: { nodeSelector: { disk: 'ssd' } }, want: undefined },
    { name: 'nodeSelector value differs', node: { labels }, pod: { nodeSelector: { disk: 'hdd' } }, want: mismatch },
    { name: 'nodeSelector label absent', pod: { nodeSelector: { disk: 'ssd' } }, want: mismatch },
    { name: 'In', node: { labels }, pod: term('zone', 'In', ['a', 'b']), want: undefined },
    { name: 'In miss', node: { labels }, pod: term('zone', 'In', ['b']), want: mismatch },
    { name: 'NotIn', node: { labels }, pod: term('zone', 'NotIn', ['b']), want: undefined },
    { name: 'NotIn absent label', pod: term('zone', 'NotIn', ['a']), want: undefined },
    { name: 'NotIn miss', node: { labels }, pod: term('zone', 'NotIn', ['a']), want: mismatch },
    { name: 'Exists', node: { labels }, pod: term('disk', 'Exists'), want: undefined },
    { name: 'Exists miss', pod: term('disk', 'Exists'), want: mismatch },
    { name: 'DoesNotExist', pod: term('disk', 'DoesNotExist'), want: undefined },
    { name: 'DoesNotExist miss', node: { labels }, pod: term('disk', 'DoesNotExist'), want: mismatch },
    { name: 'Gt', node: { labels }, pod: term('cores', 'Gt', ['4']), want: undefined },
    { name: 'Gt equal', node: { labels }, pod: term('cores', 'Gt', ['8']), want: mismatch },
    { name: 'Lt', node: { labels }, pod: term('cores', 'Lt', ['16']), want: undefined },
    { name: 'Gt non-integer label', node: { labels }, pod: term('zone', 'Gt', ['1']), want: mismatch },
    {
      name: 'terms are ORed',
      node: { labels },
      pod: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] },
                { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] },
              ],
            },
          },
        },
      },
      want: undefined,
    },
    {
      name: 'an empty term matches nothing',
      node: { labels },
      pod: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } } },
      want: mismatch,
    },
    {
      name: 'matchFields metadata.name',
      pod: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
            },
          },
        },
      },
      want: undefined,
    },
    {
      name: 'matchFields other name',
      pod: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }],
            },
          },
        },
      },
      want: mismatch,
    },
    { name: 'selector and affinity both needed', node: { labels }, pod: { nodeSelector: { disk: 'ssd' }, ...term('zone', 'In', ['b']) }, want: mismatch },
  ]);
});

test('taint-toleration', () => {
  const gpu = { key: 'gpu', value: 'true', effect: 'NoSchedule' };
  runCases(filterTaintToleration, [
    { name: 'no taints', want: undefined },
    { name: 'untolerated', node: { taints: [gpu] }, want: ['node(s) had untolerated taint {gpu: true}'] },
    { name: 'PreferNoSchedule ignored', node: { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }, want: undefined },
    {
      name: 'Equal match',
      node: { taints: [gpu] },
      pod: { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }] },
      want: undefined,
    },
    { name: 'default operator is Equal', node: { taints: [gpu] }, pod: { tolerations: [{ key: 'gpu', value: 'true' }] }, want: undefined },
    {
      name: 'Equal other value',
      node: { taints: [gpu] },
      pod: { tolerations: [{ key: 'gpu', value: 'false' }] },
      want: ['node(s) had untolerated taint {gpu: true}'],
    },
    { name: 'Exists by key', node: { taints: [gpu] }, pod: { tolerations: [{ key: 'gpu', operator: 'Exists' }] }, want: undefined },
    {
      name: 'other effect',
      node: { taints: [gpu] },
      pod: { tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoExecute' }] },
      want: ['node(s) had untolerated taint {gpu: true}'],
    },
    {
      name: 'empty key Exists tolerates all',
      node: { taints: [gpu, { key: 'b', effect: 'NoExecute' }] },
      pod: { tolerations: [{ operator: 'Exists' }] },
      want: undefined,
    },
    {
      name: 'NoExecute taint without value',
      node: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
      want: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'],
    },
  ]);
});

test('node-ports', () => {
  const conflict = ["node(s) didn't have free ports for the requested pod ports"];
  runCases(filterNodePorts, [
    { name: 'no host ports', existing: [{ hostPorts: [{ port: 80 }] }], want: undefined },
    { name: 'free port', pod: { hostPorts: [{ port: 81 }] }, existing: [{ hostPorts: [{ port: 80 }] }], want: undefined },
    { name: 'same port', pod: { hostPorts: [{ port: 80 }] }, existing: [{ hostPorts: [{ port: 80 }] }], want: conflict },
    { name: 'other protocol', pod: { hostPorts: [{ port: 53, protocol: 'UDP' }] }, existing: [{ hostPorts: [{ port: 53 }] }], want: undefined },
    {
      name: 'distinct host IPs',
      pod: { hostPorts: [{ port: 80, hostIP: '10.0.0.1' }] },
      existing: [{ hostPorts: [{ port: 80, hostIP: '10.0.0.2' }] }],
      want: undefined,
    },
    {
      name: 'wildcard overlaps',
      pod: { hostPorts: [{ port: 80, hostIP: '10.0.0.1' }] },
      existing: [{ hostPorts: [{ port: 80, hostIP: '0.0.0.0' }] }],
      want: conflict,
    },
  ]);
});

test('removing a pod frees its resources and ports', () => {
  const node = makeNodeInfo('n1', { cpu: '1' });
  const existing = makePodInfo('a', { cpu: '1', hostPorts: [{ port: 80 }] });
  node.addPod(existing, 1);
  const pod = makePodInfo('p', { cpu: '1', hostPorts: [{ port: 80 }] });
  assert.ok(filterNodeResourcesFit(pod, node));
  assert.ok(filterNodePorts(pod, node));
  node.addPod(existing, -1);
  assert.equal(filterNodeResourcesFit(pod, node), undefined);
  assert.equal(filterNodePorts(pod, node), undefined);
});
