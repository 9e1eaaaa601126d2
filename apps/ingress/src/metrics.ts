/** The ingress controller's metrics, on the component's registry. */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { MetricsRegistry } from '@skiff/log';

export interface IngressMetrics {
  requests: Counter<'code'>;
  upstreamLatency: Histogram;
  reloads: Counter;
  servedIngresses: Gauge;
}

export function createIngressMetrics(registry: MetricsRegistry): IngressMetrics {
  return {
    requests: new Counter({
      name: 'skiff_ingress_requests_total',
      help: 'Requests answered, by HTTP status code (101 for WebSocket upgrades).',
      labelNames: ['code'],
      registers: [registry],
    }),
    upstreamLatency: new Histogram({
      name: 'skiff_ingress_upstream_latency_seconds',
      help: 'Time from sending a request to a backend until its response headers arrived.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    reloads: new Counter({ name: 'skiff_ingress_table_reloads_total', help: 'Routing tables computed and swapped in.', registers: [registry] }),
    servedIngresses: new Gauge({ name: 'skiff_ingress_served_ingresses', help: "Ingresses of this controller's class.", registers: [registry] }),
  };
}
