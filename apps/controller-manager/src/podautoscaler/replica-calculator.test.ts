import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { calculatePodRequests, plainMetricReplicas, resourceReplicas, type CalculatorTimings, type PodMetrics } from './replica-calculator.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const t: CalculatorTimings = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, delayOfInitialReadinessStatusMs: 30_000, now: NOW };
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

interface PodRow {
  phase?: string;
  ready?: 'True' | 'False';
  startedAgo?: number;
  readyAgo?: number;
  request?: string;
  deleted?: boolean;
}

/** Pods p0..pn, Running and Ready since 10 min by default, each one container asking for 1 cpu. */
function pods(...rows: PodRow[]): Pod[] {
  return rows.map((row, i) => ({
    metadata: { name: `p${i}`, ...(row.deleted ? { deletionTimestamp: ago(1) } : {}) },
    spec: { containers: [{ name: 'c', image: 'x', resources: row.request === 'none' ? {} : { requests: { cpu: row.request ?? '1', memory: '100Mi' } } }] },
    status: {
      phase: row.phase ?? 'Running',
      startTime: ago(row.startedAgo ?? 600),
      conditions: [{ type: 'Ready', status: row.ready ?? 'True', lastTransitionTime: ago(row.readyAgo ?? 590) }],
    },
  }));
}

/** Samples in millicores for p0.., taken now over a 15 s window; undefined = no sample. */
function samples(...values: (number | undefined)[]): PodMetrics {
  const out: PodMetrics = new Map();
  values.forEach((value, i) => {
    if (value !== undefined) out.set(`p${i}`, { value, timestamp: NOW, windowMs: 15_000 });
  });
  return out;
}

describe('resourceReplicas (Utilization targets, as upstream replica_calculator_test.go)', () => {
  const cases: { name: string; current: number; target: number; pods: Pod[]; metrics: PodMetrics; want: number; utilization: number; raw: number }[] = [
    // 1500m of 3000m is 50% against 30%: ratio 1.67, ceil(1.67 × 3) = 5.
    { name: 'scale up', current: 3, target: 30, pods: pods({}, {}, {}), metrics: samples(300, 500, 700), want: 5, utilization: 50, raw: 500 },
    // 1400m of 5000m is 28% against 50%: ceil(0.56 × 5) = 3.
    {
      name: 'scale down',
      current: 5,
      target: 50,
      pods: pods({}, {}, {}, {}, {}),
      metrics: samples(100, 300, 500, 250, 250),
      want: 3,
      utilization: 28,
      raw: 280,
    },
    // 1070m of 3000m is 35.67% → 35 against 33: ratio 1.06, within the 10% tolerance.
    { name: 'within tolerance', current: 3, target: 33, pods: pods({}, {}, {}), metrics: samples(350, 360, 360), want: 3, utilization: 35, raw: 356 },
    // Ready pods alone: 1200/2000 = 60% → 2×; the unready one counted at 0%: 1200/3000 = 40% → ceil(1.33 × 3) = 4.
    {
      name: 'unready pod counted at 0% on a scale-up',
      current: 3,
      target: 30,
      pods: pods({ ready: 'False', startedAgo: 60, readyAgo: 60 }, {}, {}),
      metrics: samples(300, 500, 700),
      want: 4,
      utilization: 60,
      raw: 600,
    },
    // A pod that became ready 5 s ago has not been sampled for a whole window: it is unready for cpu.
    {
      name: 'pod ready for less than a window is unready',
      current: 3,
      target: 30,
      pods: pods({ startedAgo: 60, readyAgo: 5 }, {}, {}),
      metrics: samples(900, 500, 700),
      want: 4,
      utilization: 60,
      raw: 600,
    },
    // Pending pods are unready; on a scale-down they are simply left out: 200/2000 = 10% vs 50% → ceil(0.2 × 2) = 1.
    {
      name: 'pending pod left out of a scale-down',
      current: 3,
      target: 50,
      pods: pods({ phase: 'Pending' }, {}, {}),
      metrics: samples(undefined, 100, 100),
      want: 1,
      utilization: 10,
      raw: 100,
    },
    // p2 has no sample: on a scale-up it counts at 0%: 1800/3000 = 60% → ceil(1.2 × 3) = 4.
    {
      name: 'missing metrics counted at 0% on a scale-up',
      current: 3,
      target: 50,
      pods: pods({}, {}, {}),
      metrics: samples(900, 900),
      want: 4,
      utilization: 90,
      raw: 900,
    },
    // p2 has no sample: on a scale-down it counts at 100%: 1200/3000 = 40% vs 50% → ceil(0.8 × 3) = 3: unchanged.
    {
      name: 'missing metrics counted at 100% on a scale-down',
      current: 3,
      target: 50,
      pods: pods({}, {}, {}),
      metrics: samples(100, 100),
      want: 3,
      utilization: 10,
      raw: 100,
    },
    // 400/2000 = 20% vs 30% → down; with the silent pod at 100%: 1400/3000 = 46% → 1.55, the direction flips: no change.
    {
      name: 'no change when the missing pods flip the direction',
      current: 3,
      target: 30,
      pods: pods({}, {}, {}),
      metrics: samples(200, 200),
      want: 3,
      utilization: 20,
      raw: 200,
    },
    // Deleted and failed pods do not count at all: 900/1000 → 90% vs 50% → ceil(1.8 × 1) = 2.
    {
      name: 'deleted and failed pods ignored',
      current: 3,
      target: 50,
      pods: pods({ deleted: true }, { phase: 'Failed' }, {}),
      metrics: samples(1000, 1000, 900),
      want: 2,
      utilization: 90,
      raw: 900,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = resourceReplicas(c.current, c.target, 'cpu', c.pods, c.metrics, t);
      assert.deepEqual(got, { replicas: c.want, utilization: c.utilization, rawAverage: c.raw });
    });
  }

  it('memory does not wait for readiness: a just-started pod counts', () => {
    const memPods = pods({ startedAgo: 10, readyAgo: 2 }, {});
    // 100Mi requests are 104857600000 milli-bytes; 2 × 200Mi used is 200%.
    const used = 209715200000;
    assert.equal(resourceReplicas(2, 100, 'memory', memPods, samples(used, used), t).replicas, 4);
  });

  it('fails in upstream words without pods, without ready metrics, without requests', () => {
    assert.throws(() => resourceReplicas(1, 50, 'cpu', [], samples(), t), /^Error: no pods returned by selector while calculating replica count$/);
    assert.throws(
      () => resourceReplicas(1, 50, 'cpu', pods({ phase: 'Pending' }), samples(), t),
      /^Error: did not receive metrics for targeted pods \(pods might be unready\)$/,
    );
    assert.throws(
      () => resourceReplicas(1, 50, 'cpu', pods({ request: 'none' }), samples(100), t),
      /^Error: missing request for cpu in container c of Pod p0$/,
    );
  });

  it('sums requests over containers, or takes one container for ContainerResource', () => {
    const pod: Pod = {
      metadata: { name: 'two' },
      spec: {
        containers: [
          { name: 'a', image: 'x', resources: { requests: { cpu: '250m' } } },
          { name: 'b', image: 'x', resources: { requests: { cpu: '0.5' } } },
        ],
        initContainers: [
          { name: 'sidecar', image: 'x', restartPolicy: 'Always', resources: { requests: { cpu: '100m' } } },
          { name: 'init', image: 'x' },
        ],
      },
    };
    assert.deepEqual([...calculatePodRequests([pod], 'cpu')], [['two', 850]]);
    assert.deepEqual([...calculatePodRequests([pod], 'cpu', 'b')], [['two', 500]]);
  });
});

describe('plainMetricReplicas (AverageValue targets)', () => {
  it('scales on the average against the target', () => {
    // Average 600m against 200m: ceil(3 × 2) = 6.
    assert.deepEqual(plainMetricReplicas(2, 200, 'cpu', pods({}, {}), samples(500, 700), t), { replicas: 6, rawAverage: 600 });
  });
  it('counts a missing pod at exactly the target on a scale-down', () => {
    // 100 and 100 against 200: ratio 0.5; with p2 at 200: 133 → 0.67 → ceil(0.67 × 3) = 2.
    assert.deepEqual(plainMetricReplicas(3, 200, 'cpu', pods({}, {}, {}), samples(100, 100), t), { replicas: 2, rawAverage: 100 });
  });
  it('keeps the count within the tolerance', () => {
    assert.deepEqual(plainMetricReplicas(2, 1000, 'memory', pods({}, {}), samples(1050, 1000), t), { replicas: 2, rawAverage: 1025 });
  });
});
