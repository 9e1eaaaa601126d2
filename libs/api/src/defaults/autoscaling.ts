/**
 * HorizontalPodAutoscaler defaults, per version (pkg/apis/autoscaling/{v1,v2}/defaults.go). Both
 * versions share one group/kind, so the object's apiVersion picks the set: autoscaling/v1 only
 * defaults minReplicas (its implicit 80% CPU target is added when it is converted to v2, where the
 * annotations that may carry other metrics are at hand); v2 — the storage version — also gets the
 * default CPU metric and, when a behavior is given, every unset scaling rule.
 */

/** autoscaling.DefaultCPUUtilization: the target when an HPA names no metric. */
export const DEFAULT_CPU_UTILIZATION = 80;

/** Scale up: no stabilization, the larger of +4 pods or +100% every 15 s. */
function defaultScaleUpRules(): Record<string, unknown> {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

/**
 * Scale down: -100% every 15 s. stabilizationWindowSeconds stays unset: the controller's
 * --horizontal-pod-autoscaler-downscale-stabilization (300 s) applies, as upstream leaves it.
 */
function defaultScaleDownRules(): Record<string, unknown> {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

/** copyHPAScalingRules: the given rule's set fields over the defaults. */
function withDefaults(rules: any, defaults: Record<string, unknown>): Record<string, unknown> {
  if (rules === null || typeof rules !== 'object' || Array.isArray(rules)) return defaults;
  const out: Record<string, unknown> = { ...defaults };
  for (const key of ['selectPolicy', 'stabilizationWindowSeconds', 'policies', 'tolerance']) {
    if (rules[key] !== undefined && rules[key] !== null) out[key] = rules[key];
  }
  return out;
}

/** The v2 cpu Utilization metric v1's targetCPUUtilizationPercentage stands for. */
export function cpuUtilizationMetric(percent: number): Record<string, unknown> {
  return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } } };
}

export function defaultHorizontalPodAutoscaler(hpa: any): void {
  if (hpa.spec === null || typeof hpa.spec !== 'object') return;
  const spec = hpa.spec;
  spec.minReplicas ??= 1;
  if (hpa.apiVersion === 'autoscaling/v1') return;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) spec.metrics = [cpuUtilizationMetric(DEFAULT_CPU_UTILIZATION)];
  if (spec.behavior !== null && typeof spec.behavior === 'object' && !Array.isArray(spec.behavior)) {
    spec.behavior.scaleUp = withDefaults(spec.behavior.scaleUp, defaultScaleUpRules());
    spec.behavior.scaleDown = withDefaults(spec.behavior.scaleDown, defaultScaleDownRules());
  }
}
