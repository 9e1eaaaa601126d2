import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUnresolvable } from './filters/filter.ts';
import { NodeFinder, numFeasibleNodesToFind } from './node-finder.ts';
import { makeNodeInfo, makePodInfo } from './test-fixtures.ts';

test('numFeasibleNodesToFind follows kube adaptive percentage', () => {
  const cases: [nodes: number, pct: number, want: number][] = [
    [3, 0, 3],
    [99, 0, 99],
    [100, 0, 100], // 49% of 100 is 49 → raised to the floor of 100
    [1000, 0, 420], // 50 - 8 = 42%
    [5000, 0, 500], // 50 - 40 = 10%
    [20000, 0, 1000], // 50 - 160 < 5 → 5%
    [5000, 30, 1500],
    [5000, 100, 5000],
  ];
  for (const [nodes, pct, want] of cases) assert.equal(numFeasibleNodesToFind(nodes, pct), want, `${nodes} nodes at ${pct}%`);
});

test('find stops after enough feasible nodes and rotates the start', () => {
  const nodes = Array.from({ length: 5000 }, (_, i) => makeNodeInfo(`n${i}`));
  for (const [i, n] of nodes.entries()) n.index = i;
  const finder = new NodeFinder({ random: () => 0.5 });
  const first = finder.find(makePodInfo('a'), nodes);
  assert.equal(first.evaluated, 500);
  assert.ok(first.node);
  const second = finder.find(makePodInfo('b'), nodes);
  assert.ok(second.node!.index >= 500 && second.node!.index < 1000, `second sample starts at 500, got ${second.node!.index}`);
});

test('find reports every node when nothing fits', () => {
  const ssd = { disk: 'ssd' };
  const nodes = [
    makeNodeInfo('a', { cpu: '1', labels: ssd }),
    makeNodeInfo('b', { cpu: '1', labels: ssd }),
    makeNodeInfo('c', { cpu: '8', labels: { disk: 'hdd' } }),
  ];
  const result = new NodeFinder().find(makePodInfo('p', { cpu: '2', nodeSelector: ssd }), nodes);
  assert.equal(result.node, undefined);
  assert.equal(result.evaluated, 3);
  assert.deepEqual(
    new Map(result.reasons),
    new Map([
      ['Insufficient cpu', 2],
      ["node(s) didn't match Pod's node affinity/selector", 1],
    ]),
  );
  const big = new NodeFinder().find(makePodInfo('p', { cpu: '2' }), nodes);
  assert.equal(big.node?.name, 'c');
});

test('rejections say which nodes preemption could help: resources yes; taints and too-small nodes no', () => {
  const nodes = [
    makeNodeInfo('busy', { cpu: '2' }),
    makeNodeInfo('small', { cpu: '1' }),
    makeNodeInfo('tainted', { cpu: '8', taints: [{ key: 'gpu', effect: 'NoSchedule' }] }),
  ];
  nodes[0].addPod(makePodInfo('x', { cpu: '2', nodeName: 'busy' }), 1);
  const result = new NodeFinder().find(makePodInfo('p', { cpu: '2' }), nodes);
  const verdict = (name: string) => isUnresolvable(result.rejections.get(nodes.find((n) => n.name === name)!));
  assert.deepEqual([verdict('busy'), verdict('small'), verdict('tainted')], [false, true, true]);
});

test('a nominated node that fits is taken before any other', () => {
  const nodes = [makeNodeInfo('roomy', { cpu: '16' }), makeNodeInfo('nominated', { cpu: '2' })];
  const result = new NodeFinder({ random: () => 0 }).find(makePodInfo('p', { cpu: '1' }), nodes, nodes[1]);
  assert.equal(result.node?.name, 'nominated');
});
