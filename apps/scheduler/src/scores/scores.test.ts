import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNodeInfo, makePodInfo } from '../test-fixtures.ts';
import { leastRequestedScore, scoreLeastAllocated } from './least-allocated.ts';
import { countOwnerPods, scoreSpread } from './spread.ts';

test('leastRequestedScore: kube integer arithmetic', () => {
  const cases: [requested: number, capacity: number, want: number][] = [
    [0, 4000, 100],
    [1000, 4000, 75],
    [3000, 4000, 25],
    [4000, 4000, 0],
    [5000, 4000, 0],
    [1, 3, 66],
    [100, 0, 0],
  ];
  for (const [requested, capacity, want] of cases) assert.equal(leastRequestedScore(requested, capacity), want, `${requested}/${capacity}`);
});

test('scoreLeastAllocated averages cpu and memory and counts the pod itself', () => {
  const node = makeNodeInfo('n', { cpu: '4', memory: '4Gi' });
  // cpu (4000-1000)/4000 → 75, memory (4Gi-2Gi)/4Gi → 50, average 62.
  assert.equal(scoreLeastAllocated(makePodInfo('p', { cpu: '1', memory: '2Gi' }), node), 62);
  node.addPod(makePodInfo('q', { cpu: '2', memory: '1Gi' }), 1);
  // cpu 3000/4000 used → 25, memory 3Gi/4Gi → 25.
  assert.equal(scoreLeastAllocated(makePodInfo('p', { cpu: '1', memory: '2Gi' }), node), 25);
});

test('pods without requests count kube defaults (100m, 200Mi) for scoring', () => {
  const node = makeNodeInfo('n', { cpu: '1', memory: '1000Mi' });
  // cpu (1000-100)/1000 → 90, memory (1000-200)/1000 → 80.
  assert.equal(scoreLeastAllocated(makePodInfo('p'), node), 85);
});

test('scoreSpread: fewer siblings score higher', () => {
  const cases: [count: number, max: number, want: number][] = [
    [0, 0, 100],
    [0, 2, 100],
    [1, 2, 50],
    [2, 2, 0],
    [1, 3, 66],
  ];
  for (const [count, max, want] of cases) assert.equal(scoreSpread(count, max), want, `${count}/${max}`);
});

test('countOwnerPods counts only the same controller', () => {
  const node = makeNodeInfo('n');
  node.addPod(makePodInfo('a', { ownerUid: 'rs-1' }), 1);
  node.addPod(makePodInfo('b', { ownerUid: 'rs-1' }), 1);
  node.addPod(makePodInfo('c', { ownerUid: 'rs-2' }), 1);
  assert.equal(countOwnerPods(makePodInfo('p', { ownerUid: 'rs-1' }), node), 2);
  assert.equal(countOwnerPods(makePodInfo('p', { ownerUid: 'rs-3' }), node), 0);
  assert.equal(countOwnerPods(makePodInfo('p'), node), 0);
});
