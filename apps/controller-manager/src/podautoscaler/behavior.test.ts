import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HorizontalPodAutoscalerBehavior } from '@skiff/api';
import { behaviorWithDefaults, scaleDownLimit, scaleUpLimit, ScalingHistory, type ScaleEvent } from './behavior.ts';

const NOW = 1_000_000_000;
const KEY = 'default/web';
const args = (currentReplicas: number, desiredReplicas: number, minReplicas = 1, maxReplicas = 100) => ({
  key: KEY,
  currentReplicas,
  desiredReplicas,
  minReplicas,
  maxReplicas,
  now: NOW,
});
const event = (change: number, secondsAgo: number): ScaleEvent => ({ change, at: NOW - secondsAgo * 1000, outdated: false });
const rules = (behavior: HorizontalPodAutoscalerBehavior) => behaviorWithDefaults(behavior, 300);

describe('normalize without spec.behavior', () => {
  it('clamps to min and max with upstream reasons', () => {
    const h = new ScalingHistory();
    assert.deepEqual(h.normalize(args(3, 0, 2, 10), 0).limited, {
      status: 'True',
      reason: 'TooFewReplicas',
      message: 'the desired replica count is less than the minimum replica count',
    });
    assert.equal(new ScalingHistory().normalize(args(3, 12, 2, 5), 0).replicas, 5);
    assert.equal(new ScalingHistory().normalize(args(3, 12, 2, 5), 0).limited.reason, 'TooManyReplicas');
    assert.deepEqual(new ScalingHistory().normalize(args(3, 4, 2, 5), 0).limited, {
      status: 'False',
      reason: 'DesiredWithinRange',
      message: 'the desired count is within the acceptable range',
    });
  });

  it('grows at most to twice the size, or 4', () => {
    const n = new ScalingHistory().normalize(args(1, 10, 1, 20), 0);
    assert.equal(n.replicas, 4);
    assert.equal(n.limited.reason, 'ScaleUpLimit');
    assert.equal(new ScalingHistory().normalize(args(5, 30, 1, 20), 0).replicas, 10);
  });

  it('keeps the highest recommendation of the downscale window', () => {
    const h = new ScalingHistory();
    h.recommendations.set(KEY, [
      { replicas: 6, at: NOW - 100_000 },
      { replicas: 9, at: NOW - 400_000 },
    ]);
    const n = h.normalize(args(6, 2), 300_000);
    assert.equal(n.replicas, 6);
    assert.deepEqual(n.ableToScale, {
      reason: 'ScaleDownStabilized',
      message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
    });
    // The sample older than the window was replaced by this one, not appended.
    assert.deepEqual(
      h.recommendations.get(KEY)!.map((r) => r.replicas),
      [6, 2],
    );
  });
});

describe('normalize with spec.behavior', () => {
  it('defaults: up by max(4 pods, 100%) per 15 s, down behind a 300 s window', () => {
    const d = rules({});
    assert.equal(d.scaleUp.stabilizationWindowSeconds, 0);
    assert.equal(d.scaleDown.stabilizationWindowSeconds, 300);
    assert.equal(new ScalingHistory().normalizeWithBehavior(args(1, 20), {}, 300).replicas, 5); // max(1 + 4, 1 × 2)
    assert.equal(new ScalingHistory().normalizeWithBehavior(args(10, 40), {}, 300).replicas, 20); // max(10 + 4, 10 × 2)
  });

  it('a scale-up policy already spent in its period holds the size (ScaleUpLimit)', () => {
    const h = new ScalingHistory();
    h.scaleUpEvents.set(KEY, [event(4, 30)]);
    const behavior: HorizontalPodAutoscalerBehavior = { scaleUp: { policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] } };
    const n = h.normalizeWithBehavior(args(6, 12), behavior, 300);
    assert.equal(n.replicas, 6);
    assert.deepEqual(n.limited, {
      status: 'True',
      reason: 'ScaleUpLimit',
      message: 'the desired replica count is increasing faster than the maximum scale rate',
    });
    // Once the event is older than the period, the next 4 are allowed.
    h.scaleUpEvents.set(KEY, [event(4, 61)]);
    assert.equal(h.normalizeWithBehavior(args(6, 12), behavior, 300).replicas, 10);
  });

  it('selectPolicy Min takes the smaller change, Disabled none', () => {
    const both = [
      { type: 'Pods' as const, value: 4, periodSeconds: 60 },
      { type: 'Percent' as const, value: 100, periodSeconds: 60 },
    ];
    assert.equal(scaleUpLimit(10, [], [], rules({ scaleUp: { policies: both, selectPolicy: 'Min' } }).scaleUp, NOW), 14);
    assert.equal(scaleUpLimit(10, [], [], rules({ scaleUp: { policies: both, selectPolicy: 'Max' } }).scaleUp, NOW), 20);
    assert.equal(scaleUpLimit(10, [], [], rules({ scaleUp: { selectPolicy: 'Disabled' } }).scaleUp, NOW), 10);
    const n = new ScalingHistory().normalizeWithBehavior(args(10, 2), { scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 } }, 300);
    assert.equal(n.replicas, 10);
    assert.equal(n.limited.reason, 'ScaleDownLimit');
  });

  it('a Percent scale-down measures from the size at the start of its period', () => {
    const down = rules({ scaleDown: { policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } }).scaleDown;
    assert.equal(scaleDownLimit(10, [], [], down, NOW), 5);
    // 4 removed 20 s ago: the period started at 14, so 7 is the floor until it passes.
    assert.equal(scaleDownLimit(10, [], [event(4, 20)], down, NOW), 7);
    const n = new ScalingHistory().normalizeWithBehavior(
      args(10, 1),
      { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } },
      300,
    );
    assert.deepEqual([n.replicas, n.limited.reason], [5, 'ScaleDownLimit']);
  });

  it('stabilization windows keep the lowest recent recommendation up and the highest down', () => {
    const up = new ScalingHistory();
    up.recommendations.set(KEY, [{ replicas: 3, at: NOW - 30_000 }]);
    const n = up.normalizeWithBehavior(args(3, 8), { scaleUp: { stabilizationWindowSeconds: 60 } }, 300);
    assert.deepEqual([n.replicas, n.ableToScale.reason], [3, 'ScaleUpStabilized']);

    const down = new ScalingHistory();
    down.recommendations.set(KEY, [
      { replicas: 8, at: NOW - 100_000 },
      { replicas: 3, at: NOW - 50_000 },
    ]);
    const d = down.normalizeWithBehavior(args(6, 2), {}, 300);
    assert.deepEqual([d.replicas, d.ableToScale.reason], [6, 'ScaleDownStabilized']);
    // With a 0 s window the recommendation goes through.
    assert.equal(new ScalingHistory().normalizeWithBehavior(args(6, 2), { scaleDown: { stabilizationWindowSeconds: 0 } }, 300).replicas, 2);
  });

  it('min and max still bind, as TooFewReplicas / TooManyReplicas', () => {
    const n = new ScalingHistory().normalizeWithBehavior(args(3, 50, 1, 5), {}, 300);
    assert.deepEqual([n.replicas, n.limited.reason], [5, 'TooManyReplicas']);
    const m = new ScalingHistory().normalizeWithBehavior(args(3, 0, 2, 5), { scaleDown: { stabilizationWindowSeconds: 0 } }, 300);
    assert.deepEqual([m.replicas, m.limited.reason], [2, 'TooFewReplicas']);
  });

  it('stores scale events, reusing one older than the longest policy period', () => {
    const h = new ScalingHistory();
    const behavior = rules({});
    h.storeScaleEvent(behavior, KEY, 2, 6, NOW - 20_000);
    h.storeScaleEvent(behavior, KEY, 6, 8, NOW);
    assert.deepEqual(
      h.scaleUpEvents.get(KEY)!.map((e) => e.change),
      [2],
    );
    h.storeScaleEvent(behavior, KEY, 8, 5, NOW);
    assert.deepEqual(
      h.scaleDownEvents.get(KEY)!.map((e) => e.change),
      [3],
    );
    h.storeScaleEvent(undefined, 'other', 1, 2, NOW);
    assert.equal(h.scaleUpEvents.has('other'), false);
  });
});
