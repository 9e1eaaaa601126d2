import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDefaultTolerations, computeQosClass, quantityValue } from './pod.ts';

function pod(...resources: object[]) {
  return { metadata: {}, spec: { containers: resources.map((r, i) => ({ name: `c${i}`, image: 'x', resources: r })) } };
}

test('quantities compare across notations', () => {
  assert.equal(quantityValue('100m'), 0.1);
  assert.equal(quantityValue('0.1'), 0.1);
  assert.equal(quantityValue('1Gi'), 2 ** 30);
  assert.equal(quantityValue('1e3'), 1000);
  assert.equal(quantityValue('1k'), 1000);
  assert.ok(Number.isNaN(quantityValue('1Qi')));
});

test('QoS classes as Kubernetes computes them', () => {
  const cases: [string, ReturnType<typeof pod>, string][] = [
    ['no resources', pod({}), 'BestEffort'],
    ['limits only (requests default to them)', pod({ limits: { cpu: '1', memory: '1Gi' } }), 'Guaranteed'],
    ['requests equal limits in other notation', pod({ requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: '1', memory: '1Gi' } }), 'Guaranteed'],
    ['request below limit', pod({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }), 'Burstable'],
    ['cpu limit only', pod({ limits: { cpu: '1' } }), 'Burstable'],
    ['requests only', pod({ requests: { memory: '64Mi' } }), 'Burstable'],
    ['one guaranteed, one best effort', pod({ limits: { cpu: '1', memory: '1Gi' } }, {}), 'Burstable'],
    ['only non-QoS resources', pod({ limits: { 'ephemeral-storage': '1Gi' } }), 'BestEffort'],
  ];
  for (const [why, p, want] of cases) assert.equal(computeQosClass(p), want, why);
});

test('default tolerations are added unless the pod already tolerates the taint', () => {
  const notReady = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 };
  const unreachable = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 40 };
  const cases: [string, object[] | undefined, object[]][] = [
    ['no tolerations', undefined, [notReady, unreachable]],
    ['unrelated toleration kept first', [{ key: 'gpu', operator: 'Exists' }], [{ key: 'gpu', operator: 'Exists' }, notReady, unreachable]],
    [
      'own not-ready forever',
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }, unreachable],
    ],
    [
      'any effect tolerates NoExecute',
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }],
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }, notReady],
    ],
    [
      'Equal with empty value tolerates',
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Equal', effect: 'NoExecute' }],
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Equal', effect: 'NoExecute' }, notReady],
    ],
    [
      'NoSchedule only does not tolerate NoExecute',
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }],
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, notReady, unreachable],
    ],
    ['tolerate everything', [{ operator: 'Exists' }], [{ operator: 'Exists' }]],
  ];
  for (const [why, tolerations, want] of cases) {
    const p = { metadata: {}, spec: { containers: [] } as Record<string, unknown> };
    if (tolerations) p.spec.tolerations = structuredClone(tolerations);
    addDefaultTolerations(p, 30, 40);
    assert.deepEqual(p.spec.tolerations, want, why);
  }
});
