import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type HorizontalPodAutoscaler, type Pod, type Scale } from '@skiff/api';
import { ScalingHistory } from './behavior.ts';
import type { MetricsClient } from './metrics-client.ts';
import { reconcileAutoscaler, ReconcileError, type ReconcileDeps } from './reconcile.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const deployments = findResourceByKind('apps/v1', 'Deployment')!;

function pod(name: string): Pod {
  return {
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }] },
    status: {
      phase: 'Running',
      startTime: '2026-12-07T11:00:00Z',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-12-07T11:00:00Z' }],
    },
  };
}

function hpa(spec: Partial<HorizontalPodAutoscaler['spec']> = {}): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', generation: 2 },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...spec,
    },
  };
}

/** A world of one Deployment at `replicas` whose pods each use `usage` millicores; it records writes and events. */
function world(replicas: number, usage: (number | undefined)[]) {
  const pods = usage.map((_, i) => pod(`web-${i}`));
  let scale: Scale = {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas },
    status: { replicas, selector: 'app=web' },
  };
  const actions: string[] = [];
  const events: string[] = [];
  const statuses: HorizontalPodAutoscaler['status'][] = [];
  const metrics: MetricsClient = {
    async resourceMetric() {
      const m = new Map(usage.flatMap((v, i) => (v === undefined ? [] : [[`web-${i}`, { value: v, timestamp: NOW, windowMs: 15_000 }] as const])));
      if (m.size === 0) throw new Error('no metrics returned from resource metrics API');
      return { metrics: m, timestamp: NOW };
    },
    podsMetric: () => Promise.reject(new Error('unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered')),
    objectMetric: () => Promise.reject(new Error('unused')),
    externalMetric: () => Promise.reject(new Error('unused')),
  };
  const deps: ReconcileDeps = {
    client: {
      get: async <T>() => structuredClone(scale) as T,
      update: async <T>(_res: unknown, obj: T) => {
        scale = obj as Scale;
        actions.push(`scale ${scale.spec?.replicas}`);
        return obj;
      },
    } as unknown as ReconcileDeps['client'],
    resolveKind: async () => deployments,
    podsIn: () => pods,
    otherHpasSelecting: () => [],
    metrics,
    recorder: { event: (_obj, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
    history: new ScalingHistory(),
    settings: {
      tolerance: 0.1,
      cpuInitializationPeriodMs: 300_000,
      delayOfInitialReadinessStatusMs: 30_000,
      syncPeriodMs: 15_000,
      downscaleStabilizationSeconds: 300,
    },
    writeStatus: async (h) => {
      statuses.push(structuredClone(h.status));
      actions.push('status');
    },
    now: () => NOW,
  };
  return { deps, actions, events, statuses };
}

describe('reconcileAutoscaler', () => {
  it('scales up, records the event and writes the status once', async () => {
    const w = world(2, [200, 200]); // 200% of request against 50%: 8 wanted, 4 allowed (2 × 2, at least 4)
    const obj = hpa();
    await reconcileAutoscaler(w.deps, 'default/web', obj);
    assert.deepEqual(w.actions, ['scale 4', 'status']);
    assert.deepEqual(w.events, ['Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target']);
    const status = w.statuses[0]!;
    assert.equal(status.currentReplicas, 2);
    assert.equal(status.desiredReplicas, 4);
    assert.equal(status.observedGeneration, 2);
    assert.deepEqual(status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 200, averageValue: '200m' } } }]);
    assert.deepEqual(
      status.conditions?.map((c) => [c.type, c.status, c.reason]),
      [
        ['AbleToScale', 'True', 'SucceededRescale'],
        ['ScalingActive', 'True', 'ValidMetricFound'],
        ['ScalingLimited', 'True', 'ScaleUpLimit'],
      ],
    );
  });

  it('writes nothing when a pass changes nothing', async () => {
    const w = world(2, [50, 50]); // exactly on target
    const first = hpa();
    await reconcileAutoscaler(w.deps, 'default/web', first);
    assert.deepEqual(w.actions, ['status']);
    await reconcileAutoscaler(w.deps, 'default/web', { ...first, status: w.statuses[0] });
    assert.deepEqual(w.actions, ['status']);
  });

  it('does not scale a target at zero replicas', async () => {
    const w = world(0, []);
    await reconcileAutoscaler(w.deps, 'default/web', hpa());
    assert.deepEqual(w.actions, ['status']);
    const active = w.statuses[0]!.conditions?.find((c) => c.type === 'ScalingActive');
    assert.deepEqual(
      [active?.status, active?.reason, active?.message],
      ['False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero'],
    );
  });

  it('reports a metric it cannot read and does not scale', async () => {
    const w = world(2, [undefined, undefined]);
    await assert.rejects(reconcileAutoscaler(w.deps, 'default/web', hpa()), ReconcileError);
    assert.deepEqual(w.actions, ['status']);
    assert.deepEqual(w.events, [
      'Warning FailedGetResourceMetric failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
      'Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    ]);
    const active = w.statuses[0]!.conditions?.find((c) => c.type === 'ScalingActive');
    assert.equal(
      active?.message,
      'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    );
  });

  it('scales on the metrics that work unless they would scale down', async () => {
    const pods = { type: 'Pods' as const, pods: { metric: { name: 'qps' }, target: { type: 'AverageValue' as const, averageValue: '10' } } };
    const cpu = { type: 'Resource' as const, resource: { name: 'cpu', target: { type: 'Utilization' as const, averageUtilization: 50 } } };
    const up = world(2, [100, 100]);
    await assert.rejects(reconcileAutoscaler(up.deps, 'default/web', hpa({ metrics: [pods, cpu] })), /invalid metrics \(1 invalid out of 2\)/);
    assert.deepEqual(up.actions, ['scale 4', 'status']);
    const down = world(4, [5, 5, 5, 5]);
    await assert.rejects(reconcileAutoscaler(down.deps, 'default/web', hpa({ metrics: [pods, cpu] })), ReconcileError);
    assert.deepEqual(down.actions, ['status']);
    assert.equal(down.statuses[0]!.conditions?.find((c) => c.type === 'ScalingActive')?.reason, 'FailedGetPodsMetric');
  });

  it('brings a target back within min and max without reading metrics', async () => {
    const w = world(15, []);
    await reconcileAutoscaler(w.deps, 'default/web', hpa());
    assert.deepEqual(w.actions, ['scale 10', 'status']);
    assert.deepEqual(w.events, ['Normal SuccessfulRescale New size: 10; reason: Current number of replicas above Spec.MaxReplicas']);
  });
});
