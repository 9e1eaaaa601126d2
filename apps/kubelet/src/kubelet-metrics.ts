/** /metrics of a hollow kubelet process: process metrics plus what its nodes are doing. */
import { Gauge } from 'prom-client';
import { createMetricsRegistry, serveMetrics, type MetricsServer } from '@skiff/log';
import type { HollowKubelet } from './hollow-kubelet.ts';

export async function serveKubeletMetrics(hollow: HollowKubelet, port: number): Promise<MetricsServer> {
  const registry = createMetricsRegistry('kubelet');
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('skiff_hollow_nodes_registered', 'Hollow nodes registered by this process.', () => hollow.registeredNodes);
  gauge('skiff_hollow_pods', "Pods bound to this process's nodes that it has synced.", () => hollow.runningPods);
  gauge('skiff_hollow_pod_syncs_total', 'Pod sync passes.', () => hollow.stats.podSyncs);
  gauge('skiff_hollow_pod_sync_errors_total', 'Pod sync passes that failed.', () => hollow.stats.podSyncErrors);
  gauge('skiff_hollow_heartbeats_total', 'Lease renewals plus status checks that succeeded.', () => hollow.stats.heartbeats);
  gauge('skiff_hollow_heartbeat_failures_total', 'Heartbeats that failed.', () => hollow.stats.heartbeatFailures);
  return serveMetrics(registry, port);
}
