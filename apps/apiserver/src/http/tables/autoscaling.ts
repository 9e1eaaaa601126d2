/**
 * HorizontalPodAutoscalers as kubectl prints them (printHorizontalPodAutoscaler): NAME REFERENCE
 * TARGETS MINPODS MAXPODS REPLICAS AGE, from the v2 (storage) object whichever version was asked.
 */
import { canonicalQuantity, formatAge } from '@skiff/api';
import { ageColumn, column, field, int, list, str, type TablePrinter } from './table.ts';

/** Quantity.String(): canonical form; a nil quantity prints as <nil>, as Go's does. */
function quantity(value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') return '<nil>';
  return canonicalQuantity(value) ?? String(value);
}

/** One metric as `current/target`, named for resource metrics (`cpu: 35%/50%`); `current` is the status at the same index. */
function formatMetric(spec: Record<string, unknown>, status: unknown): string {
  const type = str(spec, 'type');
  const key = type === 'ContainerResource' ? 'containerResource' : type.toLowerCase();
  const target = field(spec, key, 'target') ?? {};
  const current = field(status, key) !== undefined ? (field(status, key, 'current') ?? {}) : undefined;
  const cur = (name: string, render: (v: unknown) => string = quantity): string => {
    const v = field(current, name);
    return current === undefined || v === undefined ? '<unknown>' : render(v);
  };
  switch (type) {
    case 'External':
    case 'Object':
      if (field(target, 'averageValue') !== undefined) return `${cur('averageValue')}/${quantity(field(target, 'averageValue'))} (avg)`;
      return `${current === undefined ? '<unknown>' : quantity(field(current, 'value'))}/${quantity(field(target, 'value'))}`;
    case 'Pods':
      return `${current === undefined ? '<unknown>' : quantity(field(current, 'averageValue'))}/${quantity(field(target, 'averageValue'))}`;
    case 'Resource':
    case 'ContainerResource': {
      const name = str(spec, key, 'name');
      if (field(target, 'averageValue') !== undefined) {
        return `${name}: ${current === undefined ? '<unknown>' : quantity(field(current, 'averageValue'))}/${quantity(field(target, 'averageValue'))}`;
      }
      const utilization = field(target, 'averageUtilization');
      return `${name}: ${cur('averageUtilization', (v) => `${String(v)}%`)}/${utilization === undefined ? '<auto>' : `${String(utilization)}%`}`;
    }
    default:
      return '<unknown type>';
  }
}

/** formatHPAMetrics: the first two metrics, then ' + N more...'. */
export function formatHpaMetrics(hpa: unknown): string {
  const specs = list(hpa, 'spec', 'metrics');
  if (specs.length === 0) return '<none>';
  const statuses = list(hpa, 'status', 'currentMetrics');
  const shown = specs.slice(0, 2).map((spec, i) => formatMetric(spec, statuses[i]));
  return specs.length > 2 ? `${shown.join(', ')} + ${specs.length - 2} more...` : shown.join(', ');
}

export const horizontalPodAutoscalerPrinter: TablePrinter = {
  columns: [
    column(
      'Reference',
      'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.',
    ),
    column(
      'Targets',
      'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).',
    ),
    column('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.', {
      type: 'integer',
    }),
    column('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.', {
      type: 'integer',
    }),
    ageColumn,
  ],
  cells: (hpa, now) => {
    const min = field(hpa, 'spec', 'minReplicas');
    return [
      `${str(hpa, 'spec', 'scaleTargetRef', 'kind')}/${str(hpa, 'spec', 'scaleTargetRef', 'name')}`,
      formatHpaMetrics(hpa),
      typeof min === 'number' ? String(min) : '<unset>',
      int(hpa, 'spec', 'maxReplicas'),
      int(hpa, 'status', 'currentReplicas'),
      formatAge(hpa.metadata.creationTimestamp, now),
    ];
  },
};
