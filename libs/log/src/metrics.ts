import { Registry, collectDefaultMetrics } from 'prom-client';

export type MetricsRegistry = Registry;

/** A Prometheus registry per component, with process metrics (RSS, CPU, event loop lag). */
export function createMetricsRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return registry;
}
