/**
 * Request metrics named as kube-apiserver names them, so dashboards built for it read ours:
 * apiserver_request_total, apiserver_request_duration_seconds, apiserver_current_inflight_requests.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { MetricsRegistry } from '@skiff/log';
import type { RequestInfo } from './request-info.ts';

export interface ApiMetrics {
  registry: MetricsRegistry;
  requests: Counter<'verb' | 'resource' | 'code'>;
  duration: Histogram<'verb' | 'resource'>;
  inflight: Gauge<'kind'>;
}

export function createApiMetrics(registry: MetricsRegistry): ApiMetrics {
  return {
    registry,
    requests: new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out by verb, resource and HTTP response code.',
      labelNames: ['verb', 'resource', 'code'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb and resource (watches excluded).',
      labelNames: ['verb', 'resource'],
      registers: [registry],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.5, 2, 3, 5, 10, 30, 60],
    }),
    inflight: new Gauge({
      name: 'apiserver_current_inflight_requests',
      help: 'Number of requests currently being served, by kind (readOnly, mutating).',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
}

/** kube's metric verb: LIST and WATCH for collection reads, APPLY for server-side apply, else the HTTP method. */
export function metricVerb(method: string, info: RequestInfo, contentType: string | undefined): string {
  if (info.isResourceRequest) {
    if (info.verb === 'list') return 'LIST';
    if (info.verb === 'watch') return 'WATCH';
    if (info.verb === 'patch' && contentType?.startsWith('application/apply-patch')) return 'APPLY';
  }
  return method.toUpperCase();
}

export function isReadOnly(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}
