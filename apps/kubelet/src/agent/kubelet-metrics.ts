/** The Docker-mode kubelet's Prometheus metrics, served with /healthz on 127.0.0.1:--healthz-port. */
import { Counter, Gauge, Histogram } from 'prom-client';
import { createMetricsRegistry, type MetricsRegistry } from '@skiff/log';

export interface KubeletMetrics {
  registry: MetricsRegistry;
  podSyncs: Counter<'result'>;
  podSyncDuration: Histogram;
  runningPods: Gauge;
  runningContainers: Gauge;
  hostPortSyncs: Counter<'result'>;
  hostPortMappings: Gauge;
}

export function createKubeletMetrics(): KubeletMetrics {
  const registry = createMetricsRegistry('kubelet');
  return {
    registry,
    podSyncs: new Counter({ name: 'kubelet_pod_syncs_total', help: 'Pod sync passes, by result', labelNames: ['result'], registers: [registry] }),
    podSyncDuration: new Histogram({
      name: 'kubelet_pod_sync_duration_seconds',
      help: 'Duration of one pod sync pass',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    runningPods: new Gauge({ name: 'kubelet_running_pods', help: 'Pods with a ready sandbox', registers: [registry] }),
    runningContainers: new Gauge({ name: 'kubelet_running_containers', help: 'Running containers of pods', registers: [registry] }),
    hostPortSyncs: new Counter({
      name: 'kubelet_hostport_syncs_total',
      help: 'hostPort rule sync passes, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    hostPortMappings: new Gauge({ name: 'kubelet_hostport_mappings', help: 'hostPort mappings published on this node', registers: [registry] }),
  };
}
