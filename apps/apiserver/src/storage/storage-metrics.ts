/**
 * Storage metrics, created unregistered so any number of stores (and tests) can share them;
 * the apiserver registers them on its own registry with `registerStorageMetrics`.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export const storageMetrics = {
  requestDuration: new Histogram({
    name: 'etcd_request_duration_seconds',
    help: 'Latency of etcd requests made by the apiserver, by operation and resource.',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  }),
  requestErrors: new Counter({
    name: 'etcd_request_errors_total',
    help: 'etcd requests that failed (timeouts included), by operation and resource.',
    labelNames: ['operation', 'type'] as const,
    registers: [],
  }),
  watchCacheEvents: new Counter({
    name: 'apiserver_watch_cache_events_received_total',
    help: 'Events the watch caches received from etcd, by resource.',
    labelNames: ['resource'] as const,
    registers: [],
  }),
};

export function registerStorageMetrics(registry: Registry): void {
  registry.registerMetric(storageMetrics.requestDuration);
  registry.registerMetric(storageMetrics.requestErrors);
  registry.registerMetric(storageMetrics.watchCacheEvents);
}
