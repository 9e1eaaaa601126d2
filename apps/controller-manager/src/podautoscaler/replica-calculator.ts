/**
 * The HPA's replica arithmetic, as Kubernetes' replica_calculator.go and metrics/utilization.go:
 * pure functions of the pods the target selects and one metric sample per pod, so they can be
 * tested against recorded metric tables. Values are milli-units (cpu millicores, memory
 * milli-bytes), as Quantity.MilliValue, so integer division rounds exactly as upstream's does.
 */
import type { Container, Pod } from '@skiff/api';
import { parseQuantity } from '@skiff/api';

/** One pod's sample: the summed usage of its containers (or of one container). */
export interface PodMetric {
  value: number;
  /** When the sample was taken and over how long (ms); unready-pod detection needs both. */
  timestamp: number;
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

export interface CalculatorTimings {
  /** Changes within this ratio of 1 are ignored (--horizontal-pod-autoscaler-tolerance, 0.1). */
  tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  delayOfInitialReadinessStatusMs: number;
  now: number;
}

export const DEFAULT_TIMINGS: Omit<CalculatorTimings, 'now'> = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
};

export interface ReplicaProposal {
  replicas: number;
  /** Percent of request (Utilization targets only). */
  utilization?: number;
  /** Average per counted pod, milli-units. */
  rawAverage: number;
}

interface PodGroups {
  readyPodCount: number;
  /** Pending, or (cpu only) not ready yet / not sampled for a whole window since becoming ready. */
  unready: Set<string>;
  /** Running and counted, but the metrics API has nothing for them. */
  missing: Set<string>;
  /** Deleted or failed: left out entirely. */
  ignored: Set<string>;
}

/**
 * Sorts pods the way groupPods does. CPU is special: a pod that just started burns CPU while
 * it initialises, so within the cpu initialization period a sample only counts once the pod
 * is ready and a whole metric window has passed since it became ready; after that period a
 * pod that has never become ready within the readiness delay is still not counted.
 */
export function groupPods(pods: readonly Pod[], metrics: PodMetrics, resource: string, t: CalculatorTimings): PodGroups {
  const groups: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Failed') {
      groups.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending') {
      groups.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      groups.missing.add(name);
      continue;
    }
    if (resource === 'cpu' && isUnreadyForCpu(pod, metric, t)) {
      groups.unready.add(name);
      continue;
    }
    groups.readyPodCount++;
  }
  return groups;
}

function isUnreadyForCpu(pod: Pod, metric: PodMetric, t: CalculatorTimings): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const started = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
  if (!ready || Number.isNaN(started)) return true;
  const transition = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
  if (started + t.cpuInitializationPeriodMs > t.now) {
    return ready.status === 'False' || metric.timestamp < transition + metric.windowMs;
  }
  return ready.status === 'False' && started + t.delayOfInitialReadinessStatusMs > transition;
}

/**
 * Per pod, the sum of its containers' requests for `resource` (milli); with `container`, that
 * container's alone. Restartable init containers (sidecars) count like containers. A container
 * without a request makes Utilization meaningless: upstream's error, word for word.
 */
export function calculatePodRequests(pods: readonly Pod[], resource: string, container?: string): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const containers: Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
    let sum = 0;
    for (const c of containers) {
      if (container && c.name !== container) continue;
      const request = c.resources?.requests?.[resource];
      if (request === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata?.name}`);
      sum += parseQuantity(request).toMilli();
    }
    requests.set(pod.metadata?.name ?? '', sum);
  }
  return requests;
}

/** metricsclient.GetResourceUtilizationRatio: usage over requests of the pods that have both, in whole percent. */
export function resourceUtilizationRatio(
  metrics: PodMetrics,
  requests: Map<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [name, metric] of metrics) {
    const request = requests.get(name);
    if (request === undefined) continue; // a metric for a pod we do not select
    metricsTotal += metric.value;
    requestsTotal += request;
    entries++;
  }
  if (requestsTotal === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / entries) };
}

/** metricsclient.GetMetricUsageRatio: the average over pods against an average-value target. */
export function metricUsageRatio(metrics: PodMetrics, targetUsage: number): { ratio: number; usage: number } {
  let total = 0;
  for (const metric of metrics.values()) total += metric.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

export const withinTolerance = (ratio: number, tolerance: number): boolean => Math.abs(1 - ratio) <= tolerance;

/**
 * The rebalancing both target kinds share (GetResourceReplicas and calcPlainMetricReplicas):
 * ratio over the ready, sampled pods; with pods missing metrics or (on a scale-up) unready ones,
 * the ratio is recomputed counting them at `missingValue` / 0, and nothing changes if that flips
 * the direction or lands within the tolerance.
 */
function rebalancedReplicas<U extends { ratio: number }>(
  currentReplicas: number,
  resource: string,
  pods: readonly Pod[],
  sampled: PodMetrics,
  t: CalculatorTimings,
  usageOf: (metrics: PodMetrics) => U,
  missingValue: (pod: string) => number,
): { replicas: number; usage: U } {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map(sampled);
  const groups = groupPods(pods, metrics, resource, t);
  for (const name of [...groups.ignored, ...groups.unready]) metrics.delete(name);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const usage = usageOf(metrics);
  const ratio = usage.ratio;
  const unchanged = { replicas: currentReplicas, usage };

  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (withinTolerance(ratio, t.tolerance)) return unchanged;
    return { replicas: Math.ceil(ratio * groups.readyPodCount), usage };
  }
  // A silent pod: on a scale-down assume it uses `missingValue`, on a scale-up nothing.
  const assumed = (value: number) => ({ value, timestamp: 0, windowMs: 0 });
  if (ratio !== 1) for (const name of groups.missing) metrics.set(name, assumed(ratio < 1 ? missingValue(name) : 0));
  if (scaleUpWithUnready) for (const name of groups.unready) metrics.set(name, assumed(0));

  const next = usageOf(metrics).ratio;
  if (withinTolerance(next, t.tolerance) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return unchanged;
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return unchanged;
  return { replicas, usage };
}

/**
 * A Utilization target over a resource (GetResourceReplicas). Worked example: 3 ready pods at
 * 90%, 90%, 60% of a 50% target: ratio 80/50 = 1.6 → ceil(1.6 × 3) = 5. A pod missing metrics
 * counts at 0% on a scale-up and at 100% of its request (or the target, when above 100%) on a
 * scale-down.
 */
export function resourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  pods: readonly Pod[],
  sampled: PodMetrics,
  t: CalculatorTimings,
  container?: string,
): ReplicaProposal {
  // Requests are read only once there are metrics, so errors come in upstream's order.
  let requests: Map<string, number> | undefined;
  const requestsOf = () => (requests ??= calculatePodRequests(pods, resource, container));
  const fallback = Math.max(100, targetUtilization);
  const { replicas, usage } = rebalancedReplicas(
    currentReplicas,
    resource,
    pods,
    sampled,
    t,
    (metrics) => resourceUtilizationRatio(metrics, requestsOf(), targetUtilization),
    (pod) => Math.trunc(((requestsOf().get(pod) ?? 0) * fallback) / 100),
  );
  return { replicas, utilization: usage.utilization, rawAverage: usage.rawAverage };
}

/** An AverageValue target (calcPlainMetricReplicas): a missing pod counts at exactly the target on a scale-down. */
export function plainMetricReplicas(
  currentReplicas: number,
  targetUsage: number,
  resource: string,
  pods: readonly Pod[],
  sampled: PodMetrics,
  t: CalculatorTimings,
): ReplicaProposal {
  const { replicas, usage } = rebalancedReplicas(
    currentReplicas,
    resource,
    pods,
    sampled,
    t,
    (metrics) => metricUsageRatio(metrics, targetUsage),
    () => targetUsage,
  );
  return { replicas, rawAverage: usage.usage };
}
