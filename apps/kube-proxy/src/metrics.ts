import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** kube-proxy's sync metrics, under kube's names. */
export interface ProxyMetrics {
  syncDuration: Histogram;
  lastSyncTimestamp: Gauge;
  rulesTotal: Gauge<'table'>;
  syncFailures: Counter;
}

export function createProxyMetrics(registry: Registry): ProxyMetrics {
  return {
    syncDuration: new Histogram({
      name: 'kubeproxy_sync_proxy_rules_duration_seconds',
      help: 'SyncProxyRules latency in seconds',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    lastSyncTimestamp: new Gauge({
      name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
      help: 'The last time proxy rules were successfully synced',
      registers: [registry],
    }),
    rulesTotal: new Gauge({
      name: 'kubeproxy_sync_proxy_rules_iptables_total',
      help: 'Number of iptables rules written by kube-proxy in the last sync, by table',
      labelNames: ['table'],
      registers: [registry],
    }),
    syncFailures: new Counter({
      name: 'kubeproxy_sync_proxy_rules_failures_total',
      help: 'Failed syncs of proxy rules',
      registers: [registry],
    }),
  };
}

/** Rules (`-A` lines) per table in a restore payload. */
export function countRules(payload: string): { nat: number; filter: number } {
  const counts = { nat: 0, filter: 0 };
  let table = '';
  for (const line of payload.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith('-A ') && (table === 'nat' || table === 'filter')) counts[table]++;
  }
  return counts;
}
