import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** kube-scheduler's core metrics, under kube's names. */
export interface SchedulerMetrics {
  attempts: Counter<'result'>;
  e2eDuration: Histogram<'result'>;
  pendingPods: Gauge<'queue'>;
  preemptionAttempts: Counter;
  preemptionVictims: Histogram;
}

export function createSchedulerMetrics(registry: Registry): SchedulerMetrics {
  return {
    attempts: new Counter({
      name: 'scheduler_schedule_attempts_total',
      help: 'Number of attempts to schedule pods, by the result: scheduled, unschedulable or error.',
      labelNames: ['result'],
      registers: [registry],
    }),
    e2eDuration: new Histogram({
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding).',
      labelNames: ['result'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    pendingPods: new Gauge({
      name: 'scheduler_pending_pods',
      help: 'Number of pending pods, by the queue type: active, backoff or unschedulable.',
      labelNames: ['queue'],
      registers: [registry],
    }),
    preemptionAttempts: new Counter({
      name: 'scheduler_preemption_attempts_total',
      help: 'Total preemption attempts in the cluster till now',
      registers: [registry],
    }),
    preemptionVictims: new Histogram({
      name: 'scheduler_preemption_victims',
      help: 'Number of selected preemption victims',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
  };
}
