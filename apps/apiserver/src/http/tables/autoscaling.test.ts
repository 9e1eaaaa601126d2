import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHpaMetrics, horizontalPodAutoscalerPrinter } from './autoscaling.ts';

const cpu = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } };
const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
const pods = { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } };
const external = { type: 'External', external: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '30' } } };

test('TARGETS: named resource metrics, <unknown> before the first reading, two shown then + N more...', () => {
  assert.equal(formatHpaMetrics({ spec: { metrics: [cpu] } }), 'cpu: <unknown>/50%');
  assert.equal(
    formatHpaMetrics({
      spec: { metrics: [cpu, memory] },
      status: {
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35, averageValue: '35m' } } },
          { type: 'Resource', resource: { name: 'memory', current: { averageValue: '20Mi' } } },
        ],
      },
    }),
    'cpu: 35%/50%, memory: 20Mi/100Mi',
  );
  assert.equal(formatHpaMetrics({ spec: { metrics: [pods, external, cpu, memory] } }), '<unknown>/10, <unknown>/30 (avg) + 2 more...');
  assert.equal(formatHpaMetrics({ spec: {} }), '<none>');
  assert.equal(formatHpaMetrics({ spec: { metrics: [{ type: 'Foo' }] } }), '<unknown type>');
});

test('row: REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE', () => {
  const now = Date.parse('2024-05-01T10:01:00Z');
  const hpa = {
    metadata: { name: 'web', creationTimestamp: '2024-05-01T10:00:00Z' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5, metrics: [cpu] },
    status: { currentReplicas: 3 },
  };
  assert.deepEqual(horizontalPodAutoscalerPrinter.cells(hpa, now), ['Deployment/web', 'cpu: <unknown>/50%', '2', 5, 3, '60s']);
  assert.deepEqual(
    horizontalPodAutoscalerPrinter.columns.map((c) => c.name),
    ['Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age'],
  );
});
