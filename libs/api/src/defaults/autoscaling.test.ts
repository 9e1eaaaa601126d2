import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultHorizontalPodAutoscaler } from './autoscaling.ts';

const ref = { kind: 'Deployment', name: 'web' };

test('v2: minReplicas 1, the 80% cpu metric, and no behavior unless one is given', () => {
  const hpa: any = { apiVersion: 'autoscaling/v2', spec: { scaleTargetRef: ref, maxReplicas: 3 } };
  defaultHorizontalPodAutoscaler(hpa);
  assert.deepEqual(hpa.spec, {
    scaleTargetRef: ref,
    maxReplicas: 3,
    minReplicas: 1,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
  });
});

test('v2: a given behavior gets every unset rule, scale-down keeping no stabilization window', () => {
  const hpa: any = { apiVersion: 'autoscaling/v2', spec: { maxReplicas: 3, minReplicas: 2, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } };
  defaultHorizontalPodAutoscaler(hpa);
  assert.equal(hpa.spec.minReplicas, 2);
  assert.deepEqual(hpa.spec.behavior, {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  });
  const empty: any = { apiVersion: 'autoscaling/v2', spec: { maxReplicas: 3, behavior: {} } };
  defaultHorizontalPodAutoscaler(empty);
  assert.equal('stabilizationWindowSeconds' in empty.spec.behavior.scaleDown, false);
});

test('v1: only minReplicas (the cpu default comes with conversion)', () => {
  const hpa: any = { apiVersion: 'autoscaling/v1', spec: { scaleTargetRef: ref, maxReplicas: 3 } };
  defaultHorizontalPodAutoscaler(hpa);
  assert.deepEqual(hpa.spec, { scaleTargetRef: ref, maxReplicas: 3, minReplicas: 1 });
});
