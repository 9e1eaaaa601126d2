/**
 * Where the HPA reads its numbers, as upstream's metrics.MetricsClient: resource metrics from
 * metrics.k8s.io (the apiserver serves them from the kubelets' stats), Pods and Object metrics
 * from custom.metrics.k8s.io and External metrics from external.metrics.k8s.io when some
 * adapter serves them (an aggregated API). Error texts are upstream's, since users search them.
 */
import { parseQuantity } from '@skiff/api';
import { isNotFound, type RestClient } from '@skiff/client';
import type { PodMetric, PodMetrics } from './replica-calculator.ts';

export interface MetricsSample {
  metrics: PodMetrics;
  timestamp: number;
}

export interface MetricsClient {
  /** Per pod (of `podNames`), the summed container usage of `resource` in milli-units; with `container`, that container's. */
  resourceMetric(resource: string, namespace: string, selector: string, podNames: ReadonlySet<string>, container?: string): Promise<MetricsSample>;
  /** A Pods metric: one value per pod (milli). */
  podsMetric(metricName: string, namespace: string, selector: string, metricSelector: string): Promise<MetricsSample>;
  /** An Object metric: the value for one object (milli). */
  objectMetric(
    metricName: string,
    namespace: string,
    ref: { apiVersion?: string; kind: string; name: string },
    metricSelector: string,
  ): Promise<{ value: number; timestamp: number }>;
  /** An External metric: every matching series' value (milli). */
  externalMetric(metricName: string, namespace: string, metricSelector: string): Promise<{ values: number[]; timestamp: number }>;
}

interface ContainerUsage {
  name: string;
  usage?: Record<string, string>;
}
interface PodMetricsItem {
  metadata?: { name?: string; namespace?: string };
  timestamp?: string;
  window?: string;
  containers?: ContainerUsage[];
}
interface MetricValue {
  describedObject?: { kind?: string; name?: string };
  timestamp?: string;
  windowSeconds?: number;
  value?: string;
}

/** "10s", "1m30s", "500ms" → ms (metav1.Duration as the metrics API prints it). */
export function parseWindow(window: string | undefined): number {
  if (!window) return 0;
  let total = 0;
  for (const [, n, unit] of window.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g))
    total += Number(n) * ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as Record<string, number>)[unit!]!;
  return total;
}

/** getPodMetrics / getContainerMetrics: a pod with no containers or missing the resource has no sample. */
export function podMetricsFromItems(items: readonly PodMetricsItem[], resource: string, container?: string): PodMetrics {
  const out: PodMetrics = new Map();
  for (const item of items) {
    const name = item.metadata?.name ?? '';
    const base = { timestamp: Date.parse(item.timestamp ?? '') || 0, windowMs: parseWindow(item.window) };
    const containers = item.containers ?? [];
    if (container !== undefined) {
      const found = containers.find((c) => c.name === container);
      if (!found) throw new Error(`container ${container} not present in metrics for pod ${item.metadata?.namespace}/${name}`);
      const usage = found.usage?.[resource];
      if (usage !== undefined) out.set(name, { ...base, value: parseQuantity(usage).toMilli() });
      continue;
    }
    if (containers.length === 0 || containers.some((c) => c.usage?.[resource] === undefined)) continue;
    const value = containers.reduce((sum, c) => sum + parseQuantity(c.usage![resource]!).toMilli(), 0);
    out.set(name, { ...base, value } satisfies PodMetric);
  }
  return out;
}

const query = (params: Record<string, string>) => {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
  return q.size ? `?${q}` : '';
};

export class RestMetricsClient implements MetricsClient {
  readonly #client: Pick<RestClient, 'request'>;

  constructor(client: Pick<RestClient, 'request'>) {
    this.#client = client;
  }

  async resourceMetric(resource: string, namespace: string, selector: string, podNames: ReadonlySet<string>, container?: string): Promise<MetricsSample> {
    let items: PodMetricsItem[];
    try {
      const list = await this.#client.request<{ items?: PodMetricsItem[] }>(
        'GET',
        `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods${query({ labelSelector: selector })}`,
      );
      // The selector is the server's job, but a metrics source that ignores it must not leak other pods in.
      items = (list.items ?? []).filter((item) => podNames.has(item.metadata?.name ?? ''));
    } catch (err) {
      throw new Error(`unable to fetch metrics from resource metrics API: ${messageOf(err)}`, { cause: err });
    }
    if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
    let metrics: PodMetrics;
    try {
      metrics = podMetricsFromItems(items, resource, container);
    } catch (err) {
      throw new Error(`failed to get container metrics: ${messageOf(err)}`, { cause: err });
    }
    return { metrics, timestamp: Date.parse(items[0]!.timestamp ?? '') || Date.now() };
  }

  async podsMetric(metricName: string, namespace: string, selector: string, metricSelector: string): Promise<MetricsSample> {
    const values = await this.#custom(
      `/namespaces/${namespace}/pods/*/${metricName}${query({ labelSelector: selector, metricLabelSelector: metricSelector })}`,
    );
    if (values.length === 0) throw new Error('no metrics returned from custom metrics API');
    const metrics: PodMetrics = new Map();
    for (const v of values) {
      metrics.set(v.describedObject?.name ?? '', {
        value: parseQuantity(v.value ?? '0').toMilli(),
        timestamp: Date.parse(v.timestamp ?? '') || 0,
        windowMs: (v.windowSeconds ?? 0) * 1000,
      });
    }
    return { metrics, timestamp: Date.parse(values[0]!.timestamp ?? '') || Date.now() };
  }

  async objectMetric(
    metricName: string,
    namespace: string,
    ref: { apiVersion?: string; kind: string; name: string },
    metricSelector: string,
  ): Promise<{ value: number; timestamp: number }> {
    const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '';
    const resource = `${ref.kind.toLowerCase()}s${group ? `.${group}` : ''}`;
    const values = await this.#custom(`/namespaces/${namespace}/${resource}/${ref.name}/${metricName}${query({ metricLabelSelector: metricSelector })}`);
    if (values.length === 0) throw new Error('no metrics returned from custom metrics API');
    return { value: parseQuantity(values[0]!.value ?? '0').toMilli(), timestamp: Date.parse(values[0]!.timestamp ?? '') || Date.now() };
  }

  async externalMetric(metricName: string, namespace: string, metricSelector: string): Promise<{ values: number[]; timestamp: number }> {
    let items: MetricValue[];
    try {
      const list = await this.#client.request<{ items?: MetricValue[] }>(
        'GET',
        `/apis/external.metrics.k8s.io/v1beta1/namespaces/${namespace}/${metricName}${query({ labelSelector: metricSelector })}`,
      );
      items = list.items ?? [];
    } catch (err) {
      const why = isNotFound(err) ? `the server could not find the requested resource (get ${metricName}.external.metrics.k8s.io)` : messageOf(err);
      throw new Error(`unable to fetch metrics from external metrics API: ${why}`, { cause: err });
    }
    if (items.length === 0) throw new Error('no metrics returned from external metrics API');
    return { values: items.map((i) => parseQuantity(i.value ?? '0').toMilli()), timestamp: Date.parse(items[0]!.timestamp ?? '') || Date.now() };
  }

  async #custom(path: string): Promise<MetricValue[]> {
    try {
      const list = await this.#client.request<{ items?: MetricValue[] }>('GET', `/apis/custom.metrics.k8s.io/v1beta2${path}`);
      return list.items ?? [];
    } catch (err) {
      // No adapter: the group is not served at all, and the error says so as upstream's client does.
      const why =
        isNotFound(err) && !(await this.#served('custom.metrics.k8s.io')) ? 'no custom metrics API (custom.metrics.k8s.io) registered' : messageOf(err);
      throw new Error(`unable to fetch metrics from custom metrics API: ${why}`, { cause: err });
    }
  }

  async #served(group: string): Promise<boolean> {
    try {
      await this.#client.request('GET', `/apis/${group}`);
      return true;
    } catch {
      return false;
    }
  }
}

/** The server's own words for an API error (its Status message), else the error's. */
export function messageOf(err: unknown): string {
  const status = (err as { status?: { message?: string } }).status;
  return status?.message || (err as Error).message;
}
