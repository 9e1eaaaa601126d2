import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The enforcer's sync metrics. */
export interface PolicyMetrics {
  syncs: Counter<'result'>;
  syncDuration: Histogram;
  rules: Gauge;
  isolatedPods: Gauge<'direction'>;
  jumpsMoved: Counter;
}

export function createPolicyMetrics(registry: Registry): PolicyMetrics {
  return {
    syncs: new Counter({
      name: 'skiff_network_policy_syncs_total',
      help: 'Rule syncs, by result (restored, unchanged, failed)',
      labelNames: ['result'],
      registers: [registry],
    }),
    syncDuration: new Histogram({
      name: 'skiff_network_policy_sync_duration_seconds',
      help: 'Resolve, render and apply latency of one rule sync',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rules: new Gauge({ name: 'skiff_network_policy_iptables_rules', help: 'iptables rules in the last payload restored', registers: [registry] }),
    isolatedPods: new Gauge({
      name: 'skiff_network_policy_isolated_pods',
      help: 'Pods on this node isolated by a policy, by direction',
      labelNames: ['direction'],
      registers: [registry],
    }),
    jumpsMoved: new Counter({
      name: 'skiff_network_policy_jumps_moved_total',
      help: 'Times a jump of ours was missing or not first in FORWARD/INPUT and was re-inserted',
      registers: [registry],
    }),
  };
}
