/**
 * One proposal per metric of spec.metrics and the largest wins, as upstream's
 * computeReplicasForMetrics: each metric also yields its status.currentMetrics entry, and a
 * metric that cannot be read yields a Warning event and a ScalingActive=False condition in
 * upstream's words. A failing metric blocks scaling only when all fail or the rest would scale
 * down (never scale down on partial information).
 */
import {
  parseQuantity,
  selectorToString,
  type HorizontalPodAutoscaler,
  type LabelSelector,
  type MetricSpec,
  type MetricStatus,
  type MetricTarget,
  type Pod,
} from '@skiff/api';
import type { EventRecorder } from '@skiff/client';
import type { ConditionUpdate } from './conditions.ts';
import type { MetricsClient } from './metrics-client.ts';
import { plainMetricReplicas, resourceReplicas, withinTolerance, type CalculatorTimings, type ReplicaProposal } from './replica-calculator.ts';

export interface MetricContext {
  hpa: HorizontalPodAutoscaler;
  /** scale.spec.replicas and scale.status.replicas. */
  specReplicas: number;
  statusReplicas: number;
  /** The target's pods, as scale.status.selector selects them from the cache. */
  pods: readonly Pod[];
  selector: string;
  metrics: MetricsClient;
  timings: CalculatorTimings;
  recorder: Pick<EventRecorder, 'event'>;
}

interface MetricProposal {
  replicas: number;
  name: string;
  status: MetricStatus;
  timestamp: number;
}

export interface MetricsOutcome {
  /** -1 when nothing may be scaled on (every metric failed, or the working ones would scale down). */
  replicas: number;
  /** For "New size: N; reason: <metric> above target". */
  metricName: string;
  statuses: MetricStatus[];
  /** ScalingActive as this pass found it. */
  condition: ConditionUpdate;
  /** "invalid metrics (1 invalid out of 2), first error is: ..." when some failed. */
  error?: Error;
}

/** A metric that could not be read: its event reason, and the error for the condition and event. */
class MetricError extends Error {
  readonly reason: string;
  readonly wrapped: string;
  constructor(reason: string, message: string, wrapped: string) {
    super(message);
    this.reason = reason;
    this.wrapped = wrapped;
  }
}

const DEFAULT_METRIC: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } };

const milli = (q: string | number | undefined): number => parseQuantity(q ?? 0).toMilli();
/** resource.NewMilliQuantity(v, DecimalSI).String(): 250 → "250m", 2000 → "2". */
export const formatMilli = (v: number): string => parseQuantity(`${v}m`).toString();
const metricSelector = (s: LabelSelector | undefined): string => (s ? selectorToString(s) : '');
/** How upstream's messages print a metric's selector (Go's %+v of a *LabelSelector). */
const describeSelector = (s: LabelSelector | undefined): string => (s ? JSON.stringify(s) : '<nil>');

export async function computeReplicasForMetrics(ctx: MetricContext): Promise<MetricsOutcome> {
  // Upstream's defaulting puts cpu at 80% into an HPA without metrics; do the same if the stored object lacks it.
  const specs = ctx.hpa.spec?.metrics?.length ? ctx.hpa.spec.metrics : [DEFAULT_METRIC];
  const statuses: MetricStatus[] = [];
  let replicas = 0;
  let metricName = '';
  let invalid = 0;
  let first: MetricError | undefined;
  for (const spec of specs) {
    try {
      const proposal = await computeForMetric(ctx, spec);
      statuses.push(proposal.status);
      if (replicas === 0 || proposal.replicas > replicas) [replicas, metricName] = [proposal.replicas, proposal.name];
    } catch (err) {
      const failure = err instanceof MetricError ? err : new MetricError('FailedGetResourceMetric', (err as Error).message, (err as Error).message);
      ctx.recorder.event(ctx.hpa, 'Warning', failure.reason, failure.message);
      statuses.push({ type: '' } as MetricStatus); // upstream leaves an empty status in the failed metric's slot
      invalid++;
      first ??= failure;
    }
  }
  const error = first ? new Error(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${first.wrapped}`) : undefined;
  if (first && (invalid >= specs.length || replicas < ctx.specReplicas)) {
    return {
      replicas: -1,
      metricName: '',
      statuses,
      error,
      condition: { type: 'ScalingActive', status: 'False', reason: first.reason, message: `the HPA was unable to compute the replica count: ${first.message}` },
    };
  }
  return {
    replicas,
    metricName,
    statuses,
    error,
    condition: {
      type: 'ScalingActive',
      status: 'True',
      reason: 'ValidMetricFound',
      message: `the HPA was able to successfully calculate a replica count from ${metricName}`,
    },
  };
}

async function computeForMetric(ctx: MetricContext, spec: MetricSpec): Promise<MetricProposal> {
  switch (spec.type) {
    case 'Resource': {
      const r = spec.resource!;
      const { proposal, name, current } = await resourceProposal(
        ctx,
        r.name,
        r.target,
        'FailedGetResourceMetric',
        (m) => `failed to get ${r.name} resource metric value: ${m}`,
      );
      return { ...proposal, name, status: { type: 'Resource', resource: { name: r.name, current } } };
    }
    case 'ContainerResource': {
      const r = spec.containerResource!;
      const { proposal, name, current } = await resourceProposal(
        ctx,
        r.name,
        r.target,
        'FailedGetContainerResourceMetric',
        (m) => `failed to get ${r.container} container metric value: ${m}`,
        r.container,
      );
      return { ...proposal, name, status: { type: 'ContainerResource', containerResource: { name: r.name, container: r.container, current } } };
    }
    case 'Pods': {
      const p = spec.pods!;
      const wrap = (m: string) => `failed to get pods metric value: ${m}`;
      const result = await failAs('FailedGetPodsMetric', wrap, async () => {
        const sample = await ctx.metrics.podsMetric(p.metric.name, namespaceOf(ctx), ctx.selector, metricSelector(p.metric.selector)).catch((err: Error) => {
          throw new Error(`unable to get metric ${p.metric.name}: ${err.message}`);
        });
        return { sample, proposal: plainMetricReplicas(ctx.specReplicas, milli(p.target.averageValue), '', ctx.pods, sample.metrics, ctx.timings) };
      });
      return {
        replicas: result.proposal.replicas,
        timestamp: result.sample.timestamp,
        name: `pods metric ${p.metric.name}`,
        status: { type: 'Pods', pods: { metric: p.metric, current: { averageValue: formatMilli(result.proposal.rawAverage) } } },
      };
    }
    case 'Object':
      return objectProposal(ctx, spec);
    case 'External':
      return externalProposal(ctx, spec);
    default: {
      const message = `unknown metric source type "${spec.type}"`;
      throw new MetricError('InvalidMetricSourceType', message, message);
    }
  }
}

/** Runs `fn`; a failure becomes a MetricError with `reason`, its message kept for the condition and wrapped for the summary. */
async function failAs<T>(reason: string, wrap: (message: string) => string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MetricError) throw err;
    const message = (err as Error).message;
    throw new MetricError(reason, message, wrap(message));
  }
}

/** computeStatusForResourceMetricGeneric: AverageValue is a plain average, else Utilization over requests. */
async function resourceProposal(
  ctx: MetricContext,
  resource: string,
  target: MetricTarget,
  reason: string,
  wrap: (m: string) => string,
  container?: string,
): Promise<{ proposal: ReplicaProposal & { timestamp: number }; name: string; current: { averageUtilization?: number; averageValue?: string } }> {
  return failAs(reason, wrap, async () => {
    const podNames = new Set(ctx.pods.map((p) => p.metadata?.name ?? ''));
    if (target.averageValue !== undefined) {
      const sample = await ctx.metrics.resourceMetric(resource, namespaceOf(ctx), ctx.selector, podNames, container).catch((err: Error) => {
        throw new Error(`failed to get ${resource} usage: unable to get metrics for resource ${resource}: ${err.message}`);
      });
      const proposal = prefixed(`failed to get ${resource} usage`, () =>
        plainMetricReplicas(ctx.specReplicas, milli(target.averageValue), resource, ctx.pods, sample.metrics, ctx.timings),
      );
      return {
        proposal: { ...proposal, timestamp: sample.timestamp },
        name: `${resource} resource`,
        current: { averageValue: formatMilli(proposal.rawAverage) },
      };
    }
    if (target.averageUtilization === undefined) {
      throw new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
    }
    const sample = await ctx.metrics.resourceMetric(resource, namespaceOf(ctx), ctx.selector, podNames, container).catch((err: Error) => {
      throw new Error(`failed to get ${resource} utilization: unable to get metrics for resource ${resource}: ${err.message}`);
    });
    const proposal = prefixed(`failed to get ${resource} utilization`, () =>
      resourceReplicas(ctx.specReplicas, target.averageUtilization!, resource, ctx.pods, sample.metrics, ctx.timings, container),
    );
    const name = container ? `${resource} container resource utilization (percentage of request)` : `${resource} resource utilization (percentage of request)`;
    return {
      proposal: { ...proposal, timestamp: sample.timestamp },
      name,
      current: { averageUtilization: proposal.utilization, averageValue: formatMilli(proposal.rawAverage) },
    };
  });
}

/** Runs `fn`, prefixing a failure's message (upstream's "failed to get cpu utilization: ..."). */
function prefixed<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new Error(`${prefix}: ${(err as Error).message}`);
  }
}

const namespaceOf = (ctx: MetricContext): string => ctx.hpa.metadata?.namespace ?? 'default';

/** Pods that are Running and Ready (getReadyPodsCount). */
function readyPodCount(pods: readonly Pod[]): number {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  return pods.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
}

/** getUsageRatioReplicaCount: scale with the ready pods; from zero replicas, straight to ceil(ratio). */
function usageRatioReplicas(ctx: MetricContext, ratio: number): number {
  if (ctx.specReplicas === 0) return Math.ceil(ratio);
  if (withinTolerance(ratio, ctx.timings.tolerance)) return ctx.specReplicas;
  return Math.ceil(ratio * readyPodCount(ctx.pods));
}

/** A per-pod average target against a total: GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas. */
function perPodReplicas(ctx: MetricContext, total: number, targetAverage: number): { replicas: number; average: number } {
  const ratio = total / (targetAverage * ctx.statusReplicas);
  const replicas = withinTolerance(ratio, ctx.timings.tolerance) ? ctx.statusReplicas : Math.ceil(total / targetAverage);
  return { replicas, average: Math.ceil(total / ctx.statusReplicas) };
}

async function objectProposal(ctx: MetricContext, spec: MetricSpec): Promise<MetricProposal> {
  const o = spec.object!;
  const wrap = (m: string) => `failed to get object metric value: ${m}`;
  return failAs('FailedGetObjectMetric', wrap, async () => {
    const read = async () =>
      ctx.metrics.objectMetric(o.metric.name, namespaceOf(ctx), o.describedObject, metricSelector(o.metric.selector)).catch((err: Error) => {
        throw new Error(`unable to get metric ${o.metric.name}: ${o.describedObject.kind} on ${namespaceOf(ctx)} ${o.describedObject.name}/${err.message}`);
      });
    if (o.target.type === 'Value' && o.target.value !== undefined) {
      const { value, timestamp } = await read();
      return {
        replicas: usageRatioReplicas(ctx, value / milli(o.target.value)),
        timestamp,
        name: `${o.describedObject.kind} metric ${o.metric.name}`,
        status: { type: 'Object', object: { describedObject: o.describedObject, metric: o.metric, current: { value: formatMilli(value) } } },
      };
    }
    if (o.target.type === 'AverageValue' && o.target.averageValue !== undefined) {
      const { value, timestamp } = await read();
      const { replicas, average } = perPodReplicas(ctx, value, milli(o.target.averageValue));
      return {
        replicas,
        timestamp,
        name: `external metric ${o.metric.name}(${describeSelector(o.metric.selector)})`,
        status: { type: 'Object', object: { describedObject: o.describedObject, metric: o.metric, current: { averageValue: formatMilli(average) } } },
      };
    }
    throw new Error('invalid object metric source: neither a value target nor an average value target was set');
  });
}

async function externalProposal(ctx: MetricContext, spec: MetricSpec): Promise<MetricProposal> {
  const e = spec.external!;
  const wrap = (m: string) => `failed to get ${e.metric.name} external metric value: ${m}`;
  return failAs('FailedGetExternalMetric', wrap, async () => {
    const read = async () => {
      const { values, timestamp } = await ctx.metrics.externalMetric(e.metric.name, namespaceOf(ctx), metricSelector(e.metric.selector)).catch((err: Error) => {
        throw new Error(`unable to get external metric ${namespaceOf(ctx)}/${e.metric.name}/${describeSelector(e.metric.selector)}: ${err.message}`);
      });
      return { total: values.reduce((a, b) => a + b, 0), timestamp };
    };
    const name = `external metric ${e.metric.name}(${describeSelector(e.metric.selector)})`;
    if (e.target.averageValue !== undefined) {
      const { total, timestamp } = await read();
      const { replicas, average } = perPodReplicas(ctx, total, milli(e.target.averageValue));
      return { replicas, timestamp, name, status: { type: 'External', external: { metric: e.metric, current: { averageValue: formatMilli(average) } } } };
    }
    if (e.target.value !== undefined) {
      const { total, timestamp } = await read();
      return {
        replicas: usageRatioReplicas(ctx, total / milli(e.target.value)),
        timestamp,
        name,
        status: { type: 'External', external: { metric: e.metric, current: { value: formatMilli(total) } } },
      };
    }
    throw new Error('invalid external metric source: neither a value target nor an average value target was set');
  });
}
