/**
 * One pass over one HPA, as upstream's reconcileAutoscaler: read the target's scale, propose a
 * size from the metrics, normalise it (min/max, behavior, stabilization), write the scale if it
 * changed, and write the status only when it changed.
 */
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerStatus, MetricStatus, Pod, ResourceInfo, Scale } from '@skiff/api';
import { parseLabelSelector, sortKeys } from '@skiff/api';
import type { EventRecorder, RestClient } from '@skiff/client';
import { behaviorWithDefaults, type ScalingHistory } from './behavior.ts';
import { computeReplicasForMetrics } from './compute-metrics.ts';
import { formatTime, setCondition, type ConditionUpdate } from './conditions.ts';
import { messageOf, type MetricsClient } from './metrics-client.ts';
import type { CalculatorTimings } from './replica-calculator.ts';

export interface ReconcileDeps {
  client: Pick<RestClient, 'get' | 'update'>;
  /** The served resource an apiVersion/kind names (discovery), undefined when none. */
  resolveKind(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
  /** Pods of a namespace from the cache. */
  podsIn(namespace: string): readonly Pod[];
  /** Other HPAs of the namespace whose targets' pods overlap these (upstream's AmbiguousSelector). */
  otherHpasSelecting(hpa: HorizontalPodAutoscaler, pods: readonly Pod[], selector: string): string[];
  metrics: MetricsClient;
  recorder: Pick<EventRecorder, 'event'>;
  history: ScalingHistory;
  settings: HpaSettings;
  writeStatus(hpa: HorizontalPodAutoscaler): Promise<void>;
  now(): number;
}

export interface HpaSettings extends Omit<CalculatorTimings, 'now'> {
  syncPeriodMs: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (300 s). */
  downscaleStabilizationSeconds: number;
}

/** Thrown after the status is written: the pass failed, and the controller says why in its log. */
export class ReconcileError extends Error {}

export async function reconcileAutoscaler(deps: ReconcileDeps, key: string, cached: HorizontalPodAutoscaler): Promise<void> {
  const hpa = structuredClone(cached);
  const original = structuredClone(cached.status ?? {}) as HorizontalPodAutoscalerStatus;
  const status: HorizontalPodAutoscalerStatus = structuredClone(original);
  hpa.status = status;
  const now = new Date(deps.now());
  const condition = (update: ConditionUpdate) => setCondition(status, update, now);
  const spec = hpa.spec!;
  const ref = spec.scaleTargetRef;
  const reference = `${ref.kind}/${hpa.metadata?.namespace}/${ref.name}`;
  const namespace = hpa.metadata?.namespace ?? 'default';

  const failScale = async (message: string, why: string): Promise<never> => {
    deps.recorder.event(hpa, 'Warning', 'FailedGetScale', message);
    condition({
      type: 'AbleToScale',
      status: 'False',
      reason: 'FailedGetScale',
      message: `the HPA controller was unable to get the target's current scale: ${message}`,
    });
    await finish(deps, hpa, original);
    throw new ReconcileError(why);
  };
  const apiVersion = ref.apiVersion ?? '';
  if (apiVersion.split('/').length > 2) {
    await failScale(`unexpected GroupVersion string: ${apiVersion}`, 'invalid API version in scale target reference');
  }
  const res = await deps.resolveKind(apiVersion, ref.kind);
  if (!res || !res.subresources.includes('scale')) {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    const message = res
      ? `${res.resource}${group ? `.${group}` : ''} "${ref.name}" has no scale subresource`
      : `no matches for kind "${ref.kind}" in group "${group}"`;
    await failScale(message, `unable to determine resource for scale target reference: ${message}`);
  }
  let scale: Scale;
  try {
    scale = await deps.client.get<Scale>(res!, namespace, ref.name, { subresource: 'scale' });
  } catch (err) {
    return failScale(messageOf(err), `failed to query scale subresource for ${reference}: ${messageOf(err)}`);
  }
  condition({ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: "the HPA controller was able to get the target's current scale" });
  const currentReplicas = scale.spec?.replicas ?? 0;
  deps.history.recordInitial(key, currentReplicas, now.getTime());

  const minReplicas = spec.minReplicas ?? 1;
  let desiredReplicas = 0;
  let rescaleReason = '';
  let rescale = true;
  let statuses: MetricStatus[] | undefined;
  let partialError: Error | undefined;
  if (currentReplicas === 0 && minReplicas !== 0) {
    rescale = false;
    condition({
      type: 'ScalingActive',
      status: 'False',
      reason: 'ScalingDisabled',
      message: 'scaling is disabled since the replica count of the target is zero',
    });
  } else if (currentReplicas > spec.maxReplicas) {
    rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    desiredReplicas = spec.maxReplicas;
  } else if (currentReplicas < minReplicas) {
    rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    desiredReplicas = minReplicas;
  } else {
    const selector = scale.status?.selector ?? '';
    const pods = selectPods(deps, hpa, namespace, selector, condition);
    if (!pods) {
      setReplicasAndMetrics(status, currentReplicas, status.desiredReplicas ?? 0, undefined, false, now, hpa);
      await finish(deps, hpa, original);
      throw new ReconcileError(`failed to compute desired number of replicas based on listed metrics for ${reference}: invalid selector`);
    }
    const outcome = await computeReplicasForMetrics({
      hpa,
      specReplicas: currentReplicas,
      statusReplicas: scale.status?.replicas ?? 0,
      pods,
      selector,
      metrics: deps.metrics,
      timings: { ...deps.settings, now: now.getTime() },
      recorder: deps.recorder,
    });
    condition(outcome.condition);
    statuses = outcome.statuses;
    if (outcome.replicas === -1) {
      setReplicasAndMetrics(status, currentReplicas, status.desiredReplicas ?? 0, statuses, false, now, hpa);
      await finish(deps, hpa, original);
      deps.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', outcome.error!.message);
      throw new ReconcileError(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${outcome.error!.message}`);
    }
    partialError = outcome.error;
    desiredReplicas = outcome.replicas;
    if (desiredReplicas > currentReplicas) rescaleReason = `${outcome.metricName} above target`;
    if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
    const args = { key, currentReplicas, desiredReplicas, minReplicas, maxReplicas: spec.maxReplicas, now: now.getTime() };
    const normalized = spec.behavior
      ? deps.history.normalizeWithBehavior(args, spec.behavior, deps.settings.downscaleStabilizationSeconds)
      : deps.history.normalize(args, deps.settings.downscaleStabilizationSeconds * 1000);
    condition({ type: 'AbleToScale', status: 'True', ...normalized.ableToScale });
    condition({ type: 'ScalingLimited', ...normalized.limited });
    desiredReplicas = normalized.replicas;
    rescale = desiredReplicas !== currentReplicas;
  }

  if (rescale) {
    try {
      await deps.client.update<Scale>(res!, { ...scale, spec: { ...scale.spec, replicas: desiredReplicas } }, { subresource: 'scale' });
    } catch (err) {
      deps.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}; error: ${messageOf(err)}`);
      condition({
        type: 'AbleToScale',
        status: 'False',
        reason: 'FailedUpdateScale',
        message: `the HPA controller was unable to update the target scale: ${messageOf(err)}`,
      });
      setReplicasAndMetrics(status, currentReplicas, status.desiredReplicas ?? 0, statuses, false, now, hpa);
      await finish(deps, hpa, original);
      throw new ReconcileError(`failed to rescale ${reference}: ${messageOf(err)}`);
    }
    condition({
      type: 'AbleToScale',
      status: 'True',
      reason: 'SucceededRescale',
      message: `the HPA controller was able to update the target scale to ${desiredReplicas}`,
    });
    deps.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desiredReplicas}; reason: ${rescaleReason}`);
    const behavior = spec.behavior ? behaviorWithDefaults(spec.behavior, deps.settings.downscaleStabilizationSeconds) : undefined;
    deps.history.storeScaleEvent(behavior, key, currentReplicas, desiredReplicas, now.getTime());
  } else {
    desiredReplicas = currentReplicas;
  }
  setReplicasAndMetrics(status, currentReplicas, desiredReplicas, statuses, rescale, now, hpa);
  await finish(deps, hpa, original);
  if (partialError) throw new ReconcileError(partialError.message);
}

/**
 * The pods behind scale.status.selector, or undefined (with ScalingActive False) when the target
 * reports no selector, an unparsable one, or pods another HPA already scales.
 */
function selectPods(
  deps: ReconcileDeps,
  hpa: HorizontalPodAutoscaler,
  namespace: string,
  selector: string,
  condition: (u: ConditionUpdate) => void,
): readonly Pod[] | undefined {
  const invalid = (reason: string, event: string, message: string) => {
    deps.recorder.event(hpa, 'Warning', reason, event);
    condition({ type: 'ScalingActive', status: 'False', reason: reason === 'SelectorRequired' ? 'InvalidSelector' : reason, message });
    return undefined;
  };
  if (!selector) return invalid('SelectorRequired', 'selector is required', "the HPA target's scale is missing a selector");
  let parsed;
  try {
    parsed = parseLabelSelector(selector);
  } catch (err) {
    const message = `couldn't convert selector into a corresponding internal selector object: ${(err as Error).message}`;
    return invalid('InvalidSelector', message, message);
  }
  const pods = deps.podsIn(namespace).filter((p) => parsed.matches(p.metadata?.labels ?? {}));
  const others = deps.otherHpasSelecting(hpa, pods, selector);
  if (others.length > 0) {
    const all = [`${namespace}/${hpa.metadata?.name}`, ...others].sort();
    const message = `pods by selector ${selector} are controlled by multiple HPAs: [${all.join(' ')}]`;
    return invalid('AmbiguousSelector', message, message);
  }
  return pods;
}

/** setStatus: the status is rebuilt from this pass; lastScaleTime moves only on a rescale. */
function setReplicasAndMetrics(
  status: HorizontalPodAutoscalerStatus,
  current: number,
  desired: number,
  metrics: MetricStatus[] | undefined,
  rescaled: boolean,
  now: Date,
  hpa: HorizontalPodAutoscaler,
): void {
  status.currentReplicas = current;
  status.desiredReplicas = desired;
  if (metrics?.length) status.currentMetrics = metrics;
  else delete status.currentMetrics;
  if (rescaled) status.lastScaleTime = formatTime(now);
  if (hpa.metadata?.generation !== undefined) status.observedGeneration = hpa.metadata.generation;
}

/** updateStatusIfNeeded: no write when nothing changed (the 15 s loop must not churn etcd). */
async function finish(deps: ReconcileDeps, hpa: HorizontalPodAutoscaler, original: HorizontalPodAutoscalerStatus): Promise<void> {
  if (JSON.stringify(sortKeys(original)) === JSON.stringify(sortKeys(hpa.status))) return;
  try {
    await deps.writeStatus(hpa);
  } catch (err) {
    deps.recorder.event(hpa, 'Warning', 'FailedUpdateStatus', messageOf(err));
    throw new ReconcileError(`failed to update status for ${hpa.metadata?.name}: ${messageOf(err)}`);
  }
}
