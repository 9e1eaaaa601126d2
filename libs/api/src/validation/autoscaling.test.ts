import { test } from 'node:test';
import assert from 'node:assert/strict';
import { causes, withPatch } from './testing.ts';

const hpa = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'a' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 2,
    maxReplicas: 5,
    metrics: [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      { type: 'Object', object: { describedObject: { kind: 'Ingress', name: 'main' }, metric: { name: 'hits' }, target: { type: 'Value', value: '2k' } } },
      { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } } },
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } },
  },
};
const v1 = {
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'a' },
  spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
};
const metric = (m: unknown) => (o: any) => {
  o.spec.metrics = [m];
};

test('autoscaling: valid v2 and v1 objects pass', () => {
  assert.deepEqual(causes(hpa), []);
  assert.deepEqual(causes(v1), []);
  assert.deepEqual(
    causes(
      withPatch(hpa, (o) => {
        delete o.spec.metrics;
        delete o.spec.minReplicas;
      }),
    ),
    [],
  );
});

test('autoscaling: replicas bounds and the scale target', () => {
  assert.deepEqual(
    causes(
      withPatch(hpa, (o) => {
        o.spec.minReplicas = 6;
      }),
    ),
    ['spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`'],
  );
  assert.deepEqual(
    causes(
      withPatch(hpa, (o) => {
        o.spec.minReplicas = 0;
        o.spec.maxReplicas = 0;
        o.spec.scaleTargetRef = { name: 'a/b' };
      }),
    ),
    [
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.maxReplicas: Invalid value: 0: must be greater than 0',
      'spec.scaleTargetRef.kind: Required value',
      'spec.scaleTargetRef.name: Invalid value: "a/b": may not contain \'/\'',
    ],
  );
  assert.deepEqual(
    causes(
      withPatch(v1, (o) => {
        o.spec.minReplicas = 4;
      }),
    ),
    ['spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`'],
  );
});

test('autoscaling: v1 target is checked where conversion puts it, after the annotation metrics', () => {
  assert.deepEqual(
    causes(
      withPatch(v1, (o) => {
        o.spec.targetCPUUtilizationPercentage = 0;
      }),
    ),
    ['spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0'],
  );
  assert.deepEqual(
    causes(
      withPatch(v1, (o) => {
        o.spec.targetCPUUtilizationPercentage = -1;
        o.metadata.annotations = { 'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"1Gi"}}]' };
      }),
    ),
    ['spec.metrics[1].resource.target.averageUtilization: Invalid value: -1: must be greater than 0'],
  );
});

test('autoscaling: metric sources: an unknown type, none and two', () => {
  assert.deepEqual(causes(withPatch(hpa, metric({ type: 'Foo', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } } }))), [
    'spec.metrics[0].type: Unsupported value: "Foo": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
  ]);
  assert.deepEqual(causes(withPatch(hpa, metric({ type: 'Resource' }))), [
    'spec.metrics[0].resource: Required value: must populate information for the given metric source',
  ]);
  assert.deepEqual(
    causes(
      withPatch(
        hpa,
        metric({
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } },
          pods: { metric: { name: 'x' }, target: { type: 'AverageValue', averageValue: '1' } },
        }),
      ),
    ),
    ['spec.metrics[0].pods: Forbidden: must populate the given metric source only'],
  );
  assert.deepEqual(causes(withPatch(hpa, metric({ resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } } }))), [
    'spec.metrics[0].type: Required value: must specify a metric source type',
    'spec.metrics[0].type: Unsupported value: "": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
  ]);
});

test('autoscaling: metric targets', () => {
  assert.deepEqual(causes(withPatch(hpa, metric({ type: 'Resource', resource: { name: '', target: { type: 'Percent', averageUtilization: 0 } } }))), [
    'spec.metrics[0].resource.name: Required value: must specify a resource name',
    'spec.metrics[0].resource.target.type: Invalid value: "Percent": must be either Utilization, Value, or AverageValue',
    'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
  ]);
  assert.deepEqual(
    causes(
      withPatch(hpa, metric({ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '-1', averageUtilization: 5 } } })),
    ),
    [
      'spec.metrics[0].resource.target.averageValue: Invalid value: "-1": must be positive',
      'spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization',
    ],
  );
  assert.deepEqual(causes(withPatch(hpa, metric({ type: 'Pods', pods: { metric: {}, target: { type: 'Value' } } }))), [
    'spec.metrics[0].pods.metric.name: Required value: must specify a metric name',
    'spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue',
  ]);
  assert.deepEqual(
    causes(withPatch(hpa, metric({ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1', averageValue: '1' } } }))),
    ['spec.metrics[0].external.target.value: Forbidden: may not set both a target value for metric and a per-pod target'],
  );
});

test('autoscaling: behavior policies', () => {
  assert.deepEqual(
    causes(
      withPatch(hpa, (o) => {
        o.spec.behavior = {
          scaleUp: { stabilizationWindowSeconds: 3601, selectPolicy: 'Avg', policies: [{ type: 'Nodes', value: 0, periodSeconds: 1801 }] },
          scaleDown: { policies: [] },
        };
      }),
    ),
    [
      'spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600',
      'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Avg": supported values: "Disabled", "Max", "Min"',
      'spec.behavior.scaleUp.policies[0].type: Unsupported value: "Nodes": supported values: "Percent", "Pods"',
      'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
      'spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800',
      'spec.behavior.scaleDown.policies: Required value: must specify at least one Policy',
    ],
  );
});
