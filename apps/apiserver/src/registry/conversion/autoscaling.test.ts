import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../storage/store.ts';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION, METRICS_ANNOTATION, hpaV1ToV2, hpaV2ToV1 } from './autoscaling.ts';
import { converterFor } from './version-converter.ts';

const metadata = { name: 'web', namespace: 'default', uid: 'u-1', resourceVersion: '7', annotations: { team: 'a' } };
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
const cpu = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } };
const objectMetric = {
  type: 'Object',
  object: {
    describedObject: { kind: 'Ingress', name: 'main', apiVersion: 'networking.k8s.io/v1' },
    metric: { name: 'hits' },
    target: { type: 'Value', value: '2k' },
  },
};
const external = {
  type: 'External',
  external: { metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '30' } },
};
const pods = { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } };
const container = { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } };
const behavior = {
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  },
  scaleDown: { selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
};
const conditions = [
  {
    type: 'AbleToScale',
    status: 'True',
    lastTransitionTime: '2024-05-01T10:00:00Z',
    reason: 'ReadyForNewScale',
    message: 'recommended size matches current size',
  },
];
const currentMetrics = [
  { type: 'Resource', resource: { name: 'memory', current: { averageValue: '20Mi', averageUtilization: 10 } } },
  { type: 'Resource', resource: { name: 'cpu', current: { averageValue: '35m', averageUtilization: 35 } } },
];
const v2: KubeObject = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata,
  spec: { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 5, metrics: [memory, objectMetric, external, pods, container, cpu], behavior },
  status: { observedGeneration: 1, currentReplicas: 2, desiredReplicas: 3, currentMetrics, conditions },
};

test('v2 → v1: the cpu target in spec, everything else in upstream annotations', () => {
  const v1 = hpaV2ToV1(v2);
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.deepEqual(v1.spec, { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
  assert.deepEqual(v1.status, { observedGeneration: 1, currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 35 });
  const a = v1.metadata.annotations!;
  assert.equal(a.team, 'a');
  assert.deepEqual(JSON.parse(a[METRICS_ANNOTATION]!), [
    { type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } },
    { type: 'Object', object: { target: { kind: 'Ingress', name: 'main', apiVersion: 'networking.k8s.io/v1' }, metricName: 'hits', targetValue: '2k' } },
    { type: 'External', external: { metricName: 'queue', metricSelector: { matchLabels: { q: 'jobs' } }, targetAverageValue: '30' } },
    { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
    { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', targetAverageUtilization: 60 } },
  ]);
  assert.equal(
    a[BEHAVIOR_ANNOTATION],
    '{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},' +
      '{"Type":"Percent","Value":100,"PeriodSeconds":15}]},"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Min","Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":60}]}}',
  );
  assert.deepEqual(JSON.parse(a[CURRENT_METRICS_ANNOTATION]!)[1], {
    type: 'Resource',
    resource: { name: 'cpu', currentAverageUtilization: 35, currentAverageValue: '35m' },
  });
  assert.deepEqual(JSON.parse(a[CONDITIONS_ANNOTATION]!), conditions);
  assert.deepEqual(v2.metadata.annotations, { team: 'a' }, 'the stored object is untouched');
});

test('v2 → v1 → v2 loses nothing (the cpu target comes back last, as upstream orders it)', () => {
  assert.deepEqual(hpaV1ToV2(hpaV2ToV1(v2)), v2);
});

test('v1 → v2: the cpu target, the 80% default when no metric is named, and v2 defaults', () => {
  const v1: KubeObject = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'a' },
    spec: { scaleTargetRef: ref, maxReplicas: 3 },
  };
  const out = hpaV1ToV2(v1);
  assert.deepEqual(out.spec, {
    scaleTargetRef: ref,
    maxReplicas: 3,
    minReplicas: 1,
    metrics: [{ ...cpu, resource: { ...cpu.resource, target: { type: 'Utilization', averageUtilization: 80 } } }],
  });
  assert.equal(out.metadata.annotations, undefined);
  assert.deepEqual(hpaV2ToV1(out).status, { currentReplicas: 0, desiredReplicas: 0 }, 'v1 always shows its replica counts');
  const withStatus: any = hpaV1ToV2({
    ...v1,
    spec: { ...(v1.spec as object), targetCPUUtilizationPercentage: 50 },
    status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 20 },
  });
  assert.deepEqual(withStatus.spec.metrics, [cpu]);
  assert.deepEqual(withStatus.status, {
    currentReplicas: 1,
    desiredReplicas: 1,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 20 } } }],
  });
  // An annotation that does not parse is ignored, as upstream ignores it, and dropped.
  const bad: any = hpaV1ToV2({ ...v1, metadata: { name: 'a', annotations: { [METRICS_ANNOTATION]: '{nope' } } });
  assert.equal(bad.spec.metrics.length, 1);
  assert.equal(bad.metadata.annotations, undefined);
});

test('the converter is found for both versions', () => {
  const converter = converterFor({ group: 'autoscaling', resource: 'horizontalpodautoscalers' })!;
  assert.equal(converter.convert(v2, 'autoscaling/v1').apiVersion, 'autoscaling/v1');
  assert.throws(() => converter.convert(v2, 'autoscaling/v2beta2'), /no conversion/);
});
