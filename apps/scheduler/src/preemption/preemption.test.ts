import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodDisruptionBudget } from '@skiff/api';
import type { NodeInfo } from '../cache.ts';
import { NodeFinder } from '../node-finder.ts';
import { Nominator } from '../nominator.ts';
import { makeNodeInfo, makePodInfo, type PodSpecInput } from '../test-fixtures.ts';
import { evaluatePreemption, NOT_ELIGIBLE_NEVER, NOT_ELIGIBLE_TERMINATING } from './evaluate.ts';
import { splitByPdbViolation } from './pdb-violations.ts';
import { pickOneNodeForPreemption, type Candidate } from './pick-node.ts';
import { selectVictimsOnNode } from './select-victims.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const finder = new NodeFinder();
const filter = (pod: Parameters<NodeFinder['filter']>[0], node: NodeInfo) => finder.filter(pod, node);

function nodeWith(name: string, cpu: string, pods: [string, PodSpecInput][]): NodeInfo {
  const node = makeNodeInfo(name, { cpu });
  for (const [podName, input] of pods) node.addPod(makePodInfo(podName, { nodeName: name, ...input }), 1);
  return node;
}

const names = (r: ReturnType<typeof selectVictimsOnNode>) => ('pods' in r ? r.pods.map((p) => p.pod.metadata!.name) : r.rejected);

const pdb = (matchLabels: Record<string, string>, disruptionsAllowed: number, disruptedPods?: Record<string, string>): PodDisruptionBudget => ({
  metadata: { name: 'budget', namespace: 'default' },
  spec: { selector: { matchLabels } },
  status: { disruptionsAllowed, disruptedPods, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
});

test('victims: only lower priorities, the fewest needed, the most important reprieved first', () => {
  const node = nodeWith('n1', '4', [
    ['p10', { cpu: '2', priority: 10 }],
    ['p5-old', { cpu: '1', priority: 5, startTime: '2026-12-07T10:00:00Z' }],
    ['p5-new', { cpu: '1', priority: 5, startTime: '2026-12-07T11:00:00Z' }],
  ]);
  const preemptor = makePodInfo('hi', { cpu: '2', priority: 100 });
  const result = selectVictimsOnNode(preemptor, node, [], filter, NOW);
  // p10 goes back first (2 of 4 cpu free after it), then neither 1-cpu pod fits beside the preemptor.
  assert.deepEqual(names(result), ['p5-old', 'p5-new']);
  assert.equal('pods' in result && result.numPdbViolations, 0);
  assert.equal(node.requestedCpu, 4000, 'the cached node is untouched');

  const small = makePodInfo('small', { cpu: '1', priority: 100 });
  assert.deepEqual(names(selectVictimsOnNode(small, node, [], filter, NOW)), ['p5-new'], 'the younger of equals goes');

  const equal = makePodInfo('eq', { cpu: '1', priority: 5 });
  assert.deepEqual(names(selectVictimsOnNode(equal, node, [], filter, NOW)), ['No preemption victims found for incoming pod']);
  const tooBig = makePodInfo('big', { cpu: '3', priority: 6 });
  assert.deepEqual(names(selectVictimsOnNode(tooBig, node, [], filter, NOW)), ['Insufficient cpu'], 'p10 stays, so 2 cpu is all there is');
});

test('PDBs: a violating victim is reprieved before others when room allows, and violations are counted', () => {
  const node = nodeWith('n1', '2', [
    ['guarded', { cpu: '1', priority: 1, labels: { app: 'db' } }],
    ['free', { cpu: '1', priority: 1, labels: { app: 'web' } }],
  ]);
  const preemptor = makePodInfo('hi', { cpu: '1', priority: 100 });
  const budget = pdb({ app: 'db' }, 0);
  assert.deepEqual(names(selectVictimsOnNode(preemptor, node, [budget], filter, NOW)), ['free']);
  const both = makePodInfo('both', { cpu: '2', priority: 100 });
  const result = selectVictimsOnNode(both, node, [budget], filter, NOW);
  assert.deepEqual(names(result), ['guarded', 'free']);
  assert.equal('pods' in result && result.numPdbViolations, 1, 'no budget is a hard stop, only a cost');
});

test('splitByPdbViolation spends disruptionsAllowed in order; disruptedPods and other namespaces spend nothing', () => {
  const pods = ['a', 'b', 'c'].map((n) => makePodInfo(n, { labels: { app: 'x' } }));
  const other = makePodInfo('o', { labels: { app: 'x' }, namespace: 'elsewhere' });
  const plain = makePodInfo('nolabels');
  const split = splitByPdbViolation([...pods, other, plain], [pdb({ app: 'x' }, 1, { b: '2026-12-07T11:59:00Z' })]);
  assert.deepEqual(
    split.violating.map((p) => p.pod.metadata!.name),
    ['c'],
  );
  assert.deepEqual(
    split.nonViolating.map((p) => p.pod.metadata!.name),
    ['a', 'b', 'o', 'nolabels'],
  );
  const empty = splitByPdbViolation(pods, [{ ...pdb({}, 0), spec: { selector: {} } }]);
  assert.equal(empty.violating.length, 0, 'an empty selector matches nothing');
});

test('node choice follows upstream: PDB violations, top victim priority, sum, count, latest start', () => {
  const victim = (name: string, priority: number, startTime = '2026-12-07T10:00:00Z') => makePodInfo(name, { priority, startTime });
  const candidate = (node: string, pods: ReturnType<typeof victim>[], numPdbViolations = 0): Candidate => ({
    node: makeNodeInfo(node),
    pods,
    numPdbViolations,
  });
  const pick = (...cs: Candidate[]) => pickOneNodeForPreemption(cs, NOW)?.node.name;
  assert.equal(pick(candidate('a', [victim('x', 1)], 1), candidate('b', [victim('y', 50)])), 'b', 'fewest violations');
  assert.equal(pick(candidate('a', [victim('x', 5)]), candidate('b', [victim('y', 3), victim('z', 3)])), 'b', 'lowest top priority');
  assert.equal(pick(candidate('a', [victim('x', 5), victim('w', 4)]), candidate('b', [victim('y', 5), victim('z', 1)])), 'b', 'smallest sum');
  assert.equal(
    pick(candidate('a', [victim('x', -5), victim('w', -5)]), candidate('b', [victim('y', -5)])),
    'b',
    'negative priorities: fewer pods still cheaper',
  );
  assert.equal(
    pick(candidate('a', [victim('x', 5), victim('w', 0)]), candidate('b', [victim('y', 5), victim('z', 0), victim('v', 0)])),
    'a',
    'the shift makes every victim cost: fewer victims, smaller sum',
  );
  assert.equal(
    pick(candidate('a', [victim('x', 5, '2026-12-07T09:00:00Z')]), candidate('b', [victim('y', 5, '2026-12-07T11:00:00Z')])),
    'b',
    'the latest-started top victim',
  );
  assert.equal(pickOneNodeForPreemption([], NOW), undefined);
});

test('evaluatePreemption: messages when it cannot help, the cheapest node when it can', () => {
  const full = (name: string, priority: number) => nodeWith(name, '2', [[`${name}-pod`, { cpu: '2', priority }]]);
  const nodes = [full('n1', 10), full('n2', 1), makeNodeInfo('n3', { cpu: '2', labels: { role: 'edge' }, taints: [{ key: 'edge', effect: 'NoSchedule' }] })];
  const run = (input: PodSpecInput, nominatedNode?: NodeInfo, nominator?: Nominator) => {
    const pod = makePodInfo('p', input);
    const f = new NodeFinder({ nominator });
    const found = f.find(pod, nodes);
    assert.equal(found.node, undefined);
    return evaluatePreemption({
      pod,
      nodes,
      rejections: found.rejections,
      nominatedNode,
      pdbs: [],
      filter: (q, n) => f.filter(q, n),
      random: () => 0,
      now: NOW,
    });
  };
  const hi = run({ cpu: '1', priority: 100 });
  assert.ok('candidate' in hi);
  assert.equal(hi.candidate.node.name, 'n2');
  assert.deepEqual(
    hi.candidate.pods.map((p) => p.key),
    ['default/n2-pod'],
  );

  assert.deepEqual(run({ cpu: '1', priority: 0 }), {
    message: 'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    clearNomination: true,
  });
  assert.deepEqual(run({ cpu: '1', priority: 100, preemptionPolicy: 'Never' }), { message: `preemption: ${NOT_ELIGIBLE_NEVER}`, clearNomination: false });
  assert.deepEqual(run({ cpu: '3', priority: 100 }), {
    message: 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    clearNomination: true,
  });
});

test('no second preemption while victims of the first still terminate on the nominated node', () => {
  const terminating = { deleting: true, conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }] };
  const node = nodeWith('n1', '2', [['victim', { cpu: '2', priority: 1, ...terminating }]]);
  const other = nodeWith('n2', '2', [['low', { cpu: '2', priority: 1 }]]);
  const pod = makePodInfo('p', { cpu: '2', priority: 100 });
  const found = finder.find(pod, [node, other]);
  const input = { pod, nodes: [node, other], rejections: found.rejections, pdbs: [], filter, now: NOW };
  assert.deepEqual(evaluatePreemption({ ...input, nominatedNode: node }), { message: `preemption: ${NOT_ELIGIBLE_TERMINATING}`, clearNomination: false });
  // Not nominated there: the terminating pod is still counted as a victim (no second delete is sent for it).
  const fresh = evaluatePreemption({ ...input, nominatedNode: undefined, random: () => 0 });
  assert.ok('candidate' in fresh);
});

test('nominated pods hold their room against lower priorities, not against higher ones', () => {
  const nominator = new Nominator();
  const node = makeNodeInfo('n1', { cpu: '2' });
  nominator.set(makePodInfo('nominated', { cpu: '2', priority: 50 }), 'n1');
  const f = new NodeFinder({ nominator });
  assert.deepEqual(f.filter(makePodInfo('low', { cpu: '1', priority: 10 }), node), ['Insufficient cpu']);
  assert.equal(f.filter(makePodInfo('high', { cpu: '1', priority: 60 }), node), undefined);
  assert.equal(f.filter(makePodInfo('nominated', { cpu: '2', priority: 50 }), node), undefined, 'not against itself');
  assert.equal(node.requestedCpu, 0, 'the held room is not left on the node');
});
