/**
 * autoscaling/v2 HorizontalPodAutoscaler ⇄ autoscaling/v1, with the field mapping of Kubernetes'
 * pkg/apis/autoscaling/v1/conversion.go. v2 is the storage version.
 *
 * v1 has one metric of its own, spec.targetCPUUtilizationPercentage (v2's cpu Utilization
 * Resource metric; status.currentCPUUtilizationPercentage likewise). Everything else v2 holds
 * rides in annotations so that v2 → v1 → v2 loses nothing, in upstream's formats, which other
 * clients may read:
 * - autoscaling.alpha.kubernetes.io/metrics: the other metrics, as v1's (v2beta1-shaped) MetricSpecs;
 * - autoscaling.alpha.kubernetes.io/current-metrics: every status metric, as v1 MetricStatuses;
 * - autoscaling.alpha.kubernetes.io/behavior: spec.behavior as Kubernetes marshals its internal
 *   type, with Go's field names ({"ScaleUp":{"StabilizationWindowSeconds":0,...}});
 * - autoscaling.alpha.kubernetes.io/conditions: status.conditions.
 * Reading v1 back, the annotated metrics come first and the cpu target last, as upstream orders
 * them; the annotations are consumed (a v2 object never carries them), and a v1 object naming no
 * metric at all gets the 80% cpu target v1 always implied.
 */
import { defaultObject } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import type { VersionConverter } from './version-converter.ts';

const V2 = 'autoscaling/v2';
const V1 = 'autoscaling/v1';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
const roundTripAnnotations = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION];

const DEFAULT_CPU_UTILIZATION = 80;

type Json = Record<string, any>;

/** `obj` without its undefined entries: absent stays absent through a conversion. */
function defined(obj: Json): Json {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

const isCpuUtilization = (m: Json): boolean => m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.averageUtilization != null;

// ---- metric specs and statuses ----

function metricToV1(m: Json): Json {
  const t = (src: Json | undefined) => src?.target ?? {};
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource';
      const src = m[key];
      return defined({
        type: m.type,
        [key]:
          src &&
          defined({ name: src.name, container: src.container, targetAverageUtilization: t(src).averageUtilization, targetAverageValue: t(src).averageValue }),
      });
    }
    case 'Pods':
      return defined({
        type: m.type,
        pods: m.pods && defined({ metricName: m.pods.metric?.name, targetAverageValue: t(m.pods).averageValue, selector: m.pods.metric?.selector }),
      });
    case 'Object':
      return defined({
        type: m.type,
        object:
          m.object &&
          defined({
            target: m.object.describedObject,
            metricName: m.object.metric?.name,
            targetValue: t(m.object).value,
            selector: m.object.metric?.selector,
            averageValue: t(m.object).averageValue,
          }),
      });
    case 'External':
      return defined({
        type: m.type,
        external:
          m.external &&
          defined({
            metricName: m.external.metric?.name,
            metricSelector: m.external.metric?.selector,
            targetValue: t(m.external).value,
            targetAverageValue: t(m.external).averageValue,
          }),
      });
    default:
      return m;
  }
}

function metricFromV1(m: Json): Json {
  const metric = (name: unknown, selector: unknown) => defined({ name, selector });
  switch (m.type) {
    case 'Resource':
    case 'ContainerResource': {
      const key = m.type === 'Resource' ? 'resource' : 'containerResource';
      const src = m[key];
      if (!src) return m;
      const type = src.targetAverageUtilization == null ? 'AverageValue' : 'Utilization';
      return {
        type: m.type,
        [key]: defined({
          name: src.name,
          container: src.container,
          target: defined({ type, averageUtilization: src.targetAverageUtilization, averageValue: src.targetAverageValue }),
        }),
      };
    }
    case 'Pods':
      return m.pods
        ? {
            type: m.type,
            pods: { metric: metric(m.pods.metricName, m.pods.selector), target: defined({ type: 'AverageValue', averageValue: m.pods.targetAverageValue }) },
          }
        : m;
    case 'Object': {
      const o = m.object;
      if (!o) return m;
      const target = defined({ type: o.averageValue == null ? 'Value' : 'AverageValue', value: o.targetValue, averageValue: o.averageValue });
      return { type: m.type, object: defined({ describedObject: o.target, metric: metric(o.metricName, o.selector), target }) };
    }
    case 'External': {
      const e = m.external;
      if (!e) return m;
      const target = defined({ type: e.targetValue == null ? 'AverageValue' : 'Value', value: e.targetValue, averageValue: e.targetAverageValue });
      return { type: m.type, external: { metric: metric(e.metricName, e.metricSelector), target } };
    }
    default:
      return m;
  }
}

function metricStatusToV1(s: Json): Json {
  const c = (src: Json | undefined) => src?.current ?? {};
  const src = s[sourceKey(s.type)];
  if (!src) return s;
  switch (s.type) {
    case 'Resource':
    case 'ContainerResource':
      return {
        type: s.type,
        [sourceKey(s.type)]: defined({
          name: src.name,
          container: src.container,
          currentAverageUtilization: c(src).averageUtilization,
          currentAverageValue: c(src).averageValue,
        }),
      };
    case 'Pods':
      return { type: s.type, pods: defined({ metricName: src.metric?.name, currentAverageValue: c(src).averageValue, selector: src.metric?.selector }) };
    case 'Object':
      return {
        type: s.type,
        object: defined({
          target: src.describedObject,
          metricName: src.metric?.name,
          currentValue: c(src).value,
          selector: src.metric?.selector,
          averageValue: c(src).averageValue,
        }),
      };
    case 'External':
      return {
        type: s.type,
        external: defined({
          metricName: src.metric?.name,
          metricSelector: src.metric?.selector,
          currentValue: c(src).value,
          currentAverageValue: c(src).averageValue,
        }),
      };
    default:
      return s;
  }
}

function metricStatusFromV1(s: Json): Json {
  const src = s[sourceKey(s.type)];
  if (!src) return s;
  const metric = (name: unknown, selector: unknown) => defined({ name, selector });
  switch (s.type) {
    case 'Resource':
    case 'ContainerResource':
      return {
        type: s.type,
        [sourceKey(s.type)]: defined({
          name: src.name,
          container: src.container,
          current: defined({ averageUtilization: src.currentAverageUtilization, averageValue: src.currentAverageValue }),
        }),
      };
    case 'Pods':
      return { type: s.type, pods: { metric: metric(src.metricName, src.selector), current: defined({ averageValue: src.currentAverageValue }) } };
    case 'Object':
      return {
        type: s.type,
        object: defined({
          describedObject: src.target,
          metric: metric(src.metricName, src.selector),
          current: defined({ value: src.currentValue, averageValue: src.averageValue }),
        }),
      };
    case 'External':
      return {
        type: s.type,
        external: { metric: metric(src.metricName, src.metricSelector), current: defined({ value: src.currentValue, averageValue: src.currentAverageValue }) },
      };
    default:
      return s;
  }
}

function sourceKey(type: unknown): string {
  return type === 'ContainerResource' ? 'containerResource' : String(type ?? '').toLowerCase();
}

// ---- behavior: Kubernetes marshals its internal type, which has no JSON tags ----

function rulesToInternal(r: Json | undefined): Json | null {
  if (!r) return null;
  return {
    StabilizationWindowSeconds: r.stabilizationWindowSeconds ?? null,
    SelectPolicy: r.selectPolicy ?? null,
    Policies: Array.isArray(r.policies) ? r.policies.map((p: Json) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })) : null,
  };
}

function rulesFromInternal(r: Json | null | undefined): Json | undefined {
  if (!r || typeof r !== 'object') return undefined;
  return defined({
    stabilizationWindowSeconds: r.StabilizationWindowSeconds ?? undefined,
    selectPolicy: r.SelectPolicy ?? undefined,
    policies: Array.isArray(r.Policies) ? r.Policies.map((p: Json) => ({ type: p.Type, value: p.Value, periodSeconds: p.PeriodSeconds })) : undefined,
  });
}

/** The annotation's JSON, or undefined when it is absent or unreadable (upstream ignores both). */
function parseAnnotation(annotations: Json, key: string): any {
  const value = annotations[key];
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

// ---- whole objects ----

/** A v2 HorizontalPodAutoscaler as autoscaling/v1 serves it: a new object. */
export function hpaV2ToV1(hpa: KubeObject): KubeObject {
  const { spec = {}, status } = structuredClone(hpa) as Json;
  const annotations: Json = { ...hpa.metadata.annotations };
  for (const key of roundTripAnnotations) delete annotations[key];
  const metrics: Json[] = Array.isArray(spec.metrics) ? spec.metrics : [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => !isCpuUtilization(m)).map(metricToV1);
  if (others.length > 0) annotations[METRICS_ANNOTATION] = JSON.stringify(others);
  if (spec.behavior)
    annotations[BEHAVIOR_ANNOTATION] = JSON.stringify({ ScaleUp: rulesToInternal(spec.behavior.scaleUp), ScaleDown: rulesToInternal(spec.behavior.scaleDown) });
  const out: KubeObject = {
    ...structuredClone(hpa),
    apiVersion: V1,
    kind: 'HorizontalPodAutoscaler',
    spec: defined({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      targetCPUUtilizationPercentage: cpu?.resource.target.averageUtilization,
    }),
  };
  // v1 always writes its status' replica counts, zero before the controller's first pass.
  const st: Json = status ?? {};
  const current: Json[] = Array.isArray(st.currentMetrics) ? st.currentMetrics : [];
  if (current.length > 0) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(current.map(metricStatusToV1));
  if (Array.isArray(st.conditions) && st.conditions.length > 0) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(st.conditions);
  // The last cpu utilization wins, as upstream's loop has it.
  const cpuNow = current.filter((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.current?.averageUtilization != null).at(-1);
  out.status = defined({
    observedGeneration: st.observedGeneration,
    lastScaleTime: st.lastScaleTime,
    currentReplicas: st.currentReplicas ?? 0,
    desiredReplicas: st.desiredReplicas ?? 0,
    currentCPUUtilizationPercentage: cpuNow?.resource.current.averageUtilization,
  });
  setAnnotations(out, annotations);
  return out;
}

/** An autoscaling/v1 HorizontalPodAutoscaler as v2 (and storage) holds it: a new object, defaulted. */
export function hpaV1ToV2(hpa: KubeObject): KubeObject {
  const { spec = {}, status } = structuredClone(hpa) as Json;
  const annotations: Json = { ...hpa.metadata.annotations };
  const others = parseAnnotation(annotations, METRICS_ANNOTATION);
  const metrics: Json[] = Array.isArray(others) ? others.map(metricFromV1) : [];
  if (spec.targetCPUUtilizationPercentage != null) metrics.push(cpuMetric(spec.targetCPUUtilizationPercentage));
  if (metrics.length === 0) metrics.push(cpuMetric(DEFAULT_CPU_UTILIZATION));
  const internal = parseAnnotation(annotations, BEHAVIOR_ANNOTATION);
  const scaleUp = rulesFromInternal(internal?.ScaleUp);
  const scaleDown = rulesFromInternal(internal?.ScaleDown);
  const out: KubeObject = {
    ...structuredClone(hpa),
    apiVersion: V2,
    kind: 'HorizontalPodAutoscaler',
    spec: defined({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics,
      behavior: scaleUp || scaleDown ? defined({ scaleUp, scaleDown }) : undefined,
    }),
  };
  if (status) {
    const annotated = parseAnnotation(annotations, CURRENT_METRICS_ANNOTATION);
    const currentMetrics = Array.isArray(annotated)
      ? annotated.map(metricStatusFromV1)
      : status.currentCPUUtilizationPercentage != null
        ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }]
        : undefined;
    const conditions = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
    out.status = defined({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      currentReplicas: status.currentReplicas,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentMetrics,
      conditions: Array.isArray(conditions) ? conditions : undefined,
    });
  }
  for (const key of roundTripAnnotations) delete annotations[key];
  setAnnotations(out, annotations);
  defaultObject({ group: 'autoscaling', kind: 'HorizontalPodAutoscaler' }, out);
  return out;
}

function cpuMetric(percent: number): Json {
  return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } } };
}

/** Annotations as computed; none at all leaves the field out, as it was. */
function setAnnotations(obj: KubeObject, annotations: Json): void {
  if (Object.keys(annotations).length > 0) obj.metadata.annotations = annotations;
  else delete obj.metadata.annotations;
}

export const horizontalPodAutoscalerConverter: VersionConverter = {
  resource: 'horizontalpodautoscalers',
  storage: { group: 'autoscaling', version: 'v2' },
  served: [{ group: 'autoscaling', version: 'v1' }],
  convert(obj, toApiVersion) {
    const from = obj.apiVersion ?? V2;
    if (from === V2 && toApiVersion === V1) return hpaV2ToV1(obj);
    if (from === V1 && toApiVersion === V2) return hpaV1ToV2(obj);
    if (from === toApiVersion && (from === V1 || from === V2)) return structuredClone(obj);
    throw new Error(`horizontalpodautoscalers: no conversion from ${from} to ${toApiVersion}`);
  },
};
