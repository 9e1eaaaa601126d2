/**
 * From a metrics proposal to the replica count to set, as upstream's normalizeDesiredReplicas
 * (no spec.behavior) and normalizeDesiredReplicasWithBehaviors: stabilization over the history
 * of recent recommendations, then the scale-up/scale-down policies over recent scale events,
 * then min/max. The history lives in memory per HPA key, as upstream's does: a restarted
 * controller starts with an empty window, seeded by the target's current size.
 */
import type { HorizontalPodAutoscalerBehavior, HPAScalingRules } from '@skiff/api';

export interface Recommendation {
  replicas: number;
  at: number;
}
export interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** What normalisation reports on AbleToScale and ScalingLimited besides the number. */
export interface Normalized {
  replicas: number;
  /** AbleToScale True: ReadyForNewScale, ScaleUpStabilized or ScaleDownStabilized. */
  ableToScale: { reason: string; message: string };
  /** ScalingLimited: True when min/max or a rate policy cut the recommendation. */
  limited: { status: 'True' | 'False'; reason: string; message: string };
}

export interface NormalizeArgs {
  key: string;
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  now: number;
}

/** Upstream's legacy limit without behavior: at most double, or 4, per step (issue kubernetes#32304). */
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

const READY = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const UP_STABILIZED = { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' };
const DOWN_STABILIZED = {
  reason: 'ScaleDownStabilized',
  message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
};
const WITHIN = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_MANY = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const TOO_FEW = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const UP_LIMIT = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const DOWN_LIMIT = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };

/**
 * Upstream's defaults for spec.behavior (SetDefaults_HorizontalPodAutoscalerBehavior): scale up
 * by the larger of 4 pods or 100% per 15 s with no window; scale down by up to 100% per 15 s
 * behind the downscale stabilization window (300 s). Filled in here too, so the controller does
 * the right thing whatever the stored object lacks.
 */
export function behaviorWithDefaults(
  behavior: HorizontalPodAutoscalerBehavior,
  downscaleWindowSeconds: number,
): { scaleUp: Required<HPAScalingRules>; scaleDown: Required<HPAScalingRules> } {
  const up = behavior.scaleUp ?? {};
  const down = behavior.scaleDown ?? {};
  return {
    scaleUp: {
      stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0,
      selectPolicy: up.selectPolicy ?? 'Max',
      policies: up.policies ?? [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? downscaleWindowSeconds,
      selectPolicy: down.selectPolicy ?? 'Max',
      policies: down.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  };
}

/** Recommendations and scale events per HPA key; forget(key) when the HPA goes. */
export class ScalingHistory {
  readonly recommendations = new Map<string, Recommendation[]>();
  readonly scaleUpEvents = new Map<string, ScaleEvent[]>();
  readonly scaleDownEvents = new Map<string, ScaleEvent[]>();

  /** The first sync seeds the window with the current size, so a fresh controller does not scale down at once. */
  recordInitial(key: string, currentReplicas: number, now: number): void {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ replicas: currentReplicas, at: now }]);
  }

  forget(key: string): void {
    this.recommendations.delete(key);
    this.scaleUpEvents.delete(key);
    this.scaleDownEvents.delete(key);
  }

  /**
   * Keeps a rescale for the rate policies; an event older than the longest policy period is
   * reused. Pass the behavior with its defaults (behaviorWithDefaults), or undefined without one.
   */
  storeScaleEvent(behavior: HorizontalPodAutoscalerBehavior | undefined, key: string, previous: number, next: number, now: number): void {
    if (!behavior) return;
    const up = next > previous;
    const rules = up ? behavior.scaleUp : behavior.scaleDown;
    const events = (up ? this.scaleUpEvents : this.scaleDownEvents).get(key) ?? [];
    const cutoff = now - longestPolicyPeriod(rules) * 1000;
    for (const e of events) if (e.at < cutoff) e.outdated = true;
    const fresh: ScaleEvent = { change: Math.abs(next - previous), at: now, outdated: false };
    const reuse = events.findLastIndex((e) => e.outdated);
    if (reuse >= 0) events[reuse] = fresh;
    else events.push(fresh);
    (up ? this.scaleUpEvents : this.scaleDownEvents).set(key, events);
  }

  /** Without spec.behavior: the highest recommendation of the downscale window, then min/max and the legacy rate limit. */
  normalize(args: NormalizeArgs, downscaleWindowMs: number): Normalized {
    const stabilized = this.#stabilizeDownscale(args.key, args.desiredReplicas, args.now, downscaleWindowMs);
    const ableToScale = stabilized !== args.desiredReplicas ? DOWN_STABILIZED : READY;
    const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * args.currentReplicas, SCALE_UP_LIMIT_MINIMUM);
    const [maximum, upCondition] = args.maxReplicas > scaleUpLimit ? [scaleUpLimit, UP_LIMIT] : [args.maxReplicas, TOO_MANY];
    let replicas = stabilized;
    let condition = WITHIN;
    if (stabilized < args.minReplicas) [replicas, condition] = [args.minReplicas, TOO_FEW];
    else if (stabilized > maximum) [replicas, condition] = [maximum, upCondition];
    return { replicas, ableToScale, limited: { status: replicas === stabilized ? 'False' : 'True', ...condition } };
  }

  /** With spec.behavior: stabilize in both directions, then apply the policies' rate and min/max. */
  normalizeWithBehavior(args: NormalizeArgs, behavior: HorizontalPodAutoscalerBehavior, downscaleWindowSeconds: number): Normalized {
    const rules = behaviorWithDefaults(behavior, downscaleWindowSeconds);
    const stabilized = this.#stabilizeWithBehavior(args, rules.scaleUp.stabilizationWindowSeconds, rules.scaleDown.stabilizationWindowSeconds);
    let ableToScale = READY;
    if (stabilized !== args.desiredReplicas) ableToScale = args.desiredReplicas >= args.currentReplicas ? UP_STABILIZED : DOWN_STABILIZED;
    const { replicas, condition } = this.#limitRate({ ...args, desiredReplicas: stabilized }, rules.scaleUp, rules.scaleDown);
    return { replicas, ableToScale, limited: { status: replicas === stabilized ? 'False' : 'True', ...condition } };
  }

  #stabilizeDownscale(key: string, desired: number, now: number, windowMs: number): number {
    const recs = this.recommendations.get(key) ?? [];
    const cutoff = now - windowMs;
    let highest = desired;
    let old = -1;
    recs.forEach((rec, i) => {
      if (rec.at < cutoff) old = i;
      else if (rec.replicas > highest) highest = rec.replicas;
    });
    if (old >= 0) recs[old] = { replicas: desired, at: now };
    else recs.push({ replicas: desired, at: now });
    this.recommendations.set(key, recs);
    return highest;
  }

  /**
   * The scale-up window keeps the lowest recommendation in it, the scale-down window the
   * highest; the current size is then moved towards the desired one only as far as both
   * allow. Example: current 5, recommendations 8, 3, 6 within both windows, desired 6: up
   * limit min(...)=3, down limit max(...)=8, so 5 stays 5.
   */
  #stabilizeWithBehavior(args: NormalizeArgs, upWindowSeconds: number, downWindowSeconds: number): number {
    const recs = this.recommendations.get(args.key) ?? [];
    const upCutoff = args.now - upWindowSeconds * 1000;
    const downCutoff = args.now - downWindowSeconds * 1000;
    let up = args.desiredReplicas;
    let down = args.desiredReplicas;
    let old = -1;
    recs.forEach((rec, i) => {
      if (rec.at > upCutoff) up = Math.min(rec.replicas, up);
      if (rec.at > downCutoff) down = Math.max(rec.replicas, down);
      if (rec.at < upCutoff && rec.at < downCutoff) old = i;
    });
    let recommendation = args.currentReplicas;
    if (recommendation < up) recommendation = up;
    if (recommendation > down) recommendation = down;
    if (old >= 0) recs[old] = { replicas: args.desiredReplicas, at: args.now };
    else recs.push({ replicas: args.desiredReplicas, at: args.now });
    this.recommendations.set(args.key, recs);
    return recommendation;
  }

  #limitRate(args: NormalizeArgs, scaleUp: Required<HPAScalingRules>, scaleDown: Required<HPAScalingRules>): { replicas: number; condition: typeof WITHIN } {
    const ups = this.scaleUpEvents.get(args.key) ?? [];
    const downs = this.scaleDownEvents.get(args.key) ?? [];
    if (args.desiredReplicas > args.currentReplicas) {
      const limit = Math.max(scaleUpLimit(args.currentReplicas, ups, downs, scaleUp, args.now), args.currentReplicas);
      const [maximum, condition] = args.maxReplicas > limit ? [limit, UP_LIMIT] : [args.maxReplicas, TOO_MANY];
      if (args.desiredReplicas > maximum) return { replicas: maximum, condition };
    } else if (args.desiredReplicas < args.currentReplicas) {
      const limit = Math.min(scaleDownLimit(args.currentReplicas, ups, downs, scaleDown, args.now), args.currentReplicas);
      const [minimum, condition] = args.minReplicas < limit ? [limit, DOWN_LIMIT] : [args.minReplicas, TOO_FEW];
      if (args.desiredReplicas < minimum) return { replicas: minimum, condition };
    }
    return { replicas: args.desiredReplicas, condition: WITHIN };
  }
}

function longestPolicyPeriod(rules: HPAScalingRules | undefined): number {
  return Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds));
}

/** Replicas added (or removed) by the events inside the last `periodSeconds`. */
function changeInPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.reduce((sum, e) => (e.at > cutoff ? sum + e.change : sum), 0);
}

/**
 * The most replicas the scale-up policies allow now (up), or the fewest the scale-down ones do
 * (down). Each policy measures from the size at the start of its period: with 4 pods now after
 * +2 in the last 60 s, "Percent 100 per 60 s" allows ceil(2 × 2) = 4, i.e. no further step until
 * the period has passed. "Max" picks the policy allowing the biggest change, "Min" the smallest.
 */
function policyLimit(
  direction: 'up' | 'down',
  current: number,
  ups: readonly ScaleEvent[],
  downs: readonly ScaleEvent[],
  rules: Required<HPAScalingRules>,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // Scaling up, the biggest change is the highest count; scaling down, the lowest.
  const pickHighest = (rules.selectPolicy === 'Min') === (direction === 'down');
  let result = pickHighest ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const policy of rules.policies) {
    const periodStart = current - changeInPeriod(policy.periodSeconds, ups, now) + changeInPeriod(policy.periodSeconds, downs, now);
    let proposed: number;
    if (direction === 'up') proposed = policy.type === 'Pods' ? periodStart + policy.value : Math.ceil(periodStart * (1 + policy.value / 100));
    else proposed = policy.type === 'Pods' ? periodStart - policy.value : Math.trunc(periodStart * (1 - policy.value / 100));
    result = pickHighest ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

export const scaleUpLimit = (
  current: number,
  ups: readonly ScaleEvent[],
  downs: readonly ScaleEvent[],
  rules: Required<HPAScalingRules>,
  now: number,
): number => policyLimit('up', current, ups, downs, rules, now);

export const scaleDownLimit = (
  current: number,
  ups: readonly ScaleEvent[],
  downs: readonly ScaleEvent[],
  rules: Required<HPAScalingRules>,
  now: number,
): number => policyLimit('down', current, ups, downs, rules, now);
