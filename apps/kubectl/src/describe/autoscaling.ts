/**
 * `kubectl describe hpa` in upstream's describeHorizontalPodAutoscalerV2 layout: Reference,
 * Metrics ( current / target ) one line per metric, Min/Max replicas, Behavior when set,
 * `<Kind> pods: N current / N desired`, Conditions; the describe command adds Events.
 */
import { canonicalQuantity } from '@skiff/api';
import type { Describer } from './describer.ts';
import { formatTime, LAST_APPLIED, type Lines, type Obj } from './lines.ts';

/** Quantity.String(); a nil quantity prints as <nil>, as Go's does. */
function quantity(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '<nil>';
  return canonicalQuantity(value) ?? String(value);
}

/** One metric's line: the status at the same index is its current value. */
function metricLine(metric: Obj, status: Obj | undefined): string {
  const key = metric.type === 'ContainerResource' ? 'containerResource' : String(metric.type ?? '').toLowerCase();
  const src = metric[key] ?? {};
  const target = src.target ?? {};
  const current: Obj | undefined = status?.[key] ? (status[key].current ?? {}) : undefined;
  const now = (name: string) => (current === undefined ? '<unknown>' : quantity(current[name]));
  switch (metric.type) {
    case 'External':
      if (target.averageValue != null)
        return `"${src.metric?.name ?? ''}" (target average value):\t${current?.averageValue == null ? '<unknown>' : now('averageValue')} / ${quantity(target.averageValue)}`;
      return `"${src.metric?.name ?? ''}" (target value):\t${now('value')} / ${quantity(target.value)}`;
    case 'Pods':
      return `"${src.metric?.name ?? ''}" on pods:\t${now('averageValue')} / ${quantity(target.averageValue)}`;
    case 'Object': {
      const on = `"${src.metric?.name ?? ''}" on ${src.describedObject?.kind ?? ''}/${src.describedObject?.name ?? ''} `;
      if (target.type === 'AverageValue') return `${on}(target average value):\t${now('averageValue')} / ${quantity(target.averageValue)}`;
      return `${on}(target value):\t${now('value')} / ${quantity(target.value)}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const what =
        metric.type === 'Resource' ? `resource ${src.name ?? ''} on pods` : `resource ${src.name ?? ''} of container "${src.container ?? ''}" on pods`;
      if (target.averageValue != null) return `${what}:\t${now('averageValue')} / ${quantity(target.averageValue)}`;
      const cur = current?.averageUtilization != null ? `${current.averageUtilization}% (${quantity(current.averageValue)})` : '<unknown>';
      const goal = target.averageUtilization != null ? `${target.averageUtilization}%` : '<auto>';
      // Upstream writes this at LEVEL_1 after the metric's name, without a newline between.
      return `${what}  (as a percentage of request):\t${cur} / ${goal}`;
    }
    default:
      return `<unknown metric type "${String(metric.type ?? '')}">`;
  }
}

/** printDirectionBehavior. */
function describeRules(w: Lines, direction: string, rules: Obj | undefined): void {
  if (!rules) return;
  w.add(1, `${direction}:`);
  if (rules.stabilizationWindowSeconds != null) w.add(2, `Stabilization Window: ${rules.stabilizationWindowSeconds} seconds`);
  const policies = (rules.policies ?? []) as Obj[];
  if (policies.length === 0) return;
  w.add(2, `Select Policy: ${rules.selectPolicy ?? 'Max'}`).add(2, 'Policies:');
  for (const p of policies) w.add(3, `- Type: ${p.type}\tValue: ${p.value}\tPeriod: ${p.periodSeconds} seconds`);
}

export const describeHorizontalPodAutoscaler: Describer = (w, o) => {
  const spec = o.spec ?? {};
  const status = o.status ?? {};
  w.field(0, 'Name', o.metadata?.name).field(0, 'Namespace', o.metadata?.namespace);
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  w.add(0, `CreationTimestamp:\t${formatTime(o.metadata?.creationTimestamp)}`);
  w.add(0, `Reference:\t${spec.scaleTargetRef?.kind ?? ''}/${spec.scaleTargetRef?.name ?? ''}`);
  w.add(0, 'Metrics:\t( current / target )');
  const statuses = (status.currentMetrics ?? []) as Obj[];
  ((spec.metrics ?? []) as Obj[]).forEach((m, i) => w.add(1, metricLine(m, statuses[i])));
  w.add(0, `Min replicas:\t${spec.minReplicas ?? '<unset>'}`).add(0, `Max replicas:\t${spec.maxReplicas ?? 0}`);
  if (spec.behavior) {
    w.add(0, 'Behavior:');
    describeRules(w, 'Scale Up', spec.behavior.scaleUp);
    describeRules(w, 'Scale Down', spec.behavior.scaleDown);
  }
  w.add(0, `${spec.scaleTargetRef?.kind ?? ''} pods:\t${status.currentReplicas ?? 0} current / ${status.desiredReplicas ?? 0} desired`);
  const conditions = (status.conditions ?? []) as Obj[];
  if (conditions.length === 0) return;
  w.add(0, 'Conditions:').add(1, 'Type\tStatus\tReason\tMessage').add(1, '----\t------\t------\t-------');
  for (const c of conditions) w.add(1, `${c.type}\t${c.status}\t${c.reason ?? ''}\t${c.message ?? ''}`);
};
