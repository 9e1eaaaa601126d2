import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Gauge } from 'prom-client';
import {
  findResourceByKind,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type PodDisruptionBudget,
  type StorageClass,
} from '@skiff/api';
import { followKubeconfigCertificate, EventRecorder, InformerFactory, LeaderElector, RestClient } from '@skiff/client';
import { createLogger, createMetricsRegistry, serveMetrics, type Logger, type MetricsServer } from '@skiff/log';
import { ApiBinder } from './binder.ts';
import type { SchedulerConfig } from './config.ts';
import { createSchedulerMetrics, type SchedulerMetrics } from './metrics.ts';
import { Scheduler } from './scheduler.ts';

export type { SchedulerConfig } from './config.ts';
export { parseSchedulerFlags, FlagError, usage } from './config.ts';
export { Scheduler, isSchedulable, DEFAULT_SCHEDULER_NAME, type SchedulerOptions } from './scheduler.ts';
export { ApiBinder, type Binder } from './binder.ts';
export { formatFitError } from './fit-error.ts';

export const LEASE_NAMESPACE = 'kube-system';
export const LEASE_NAME = 'kube-scheduler';

const pods = findResourceByKind('v1', 'Pod')!;
const nodes = findResourceByKind('v1', 'Node')!;
const claims = findResourceByKind('v1', 'PersistentVolumeClaim')!;
const volumes = findResourceByKind('v1', 'PersistentVolume')!;
const classes = findResourceByKind('storage.k8s.io/v1', 'StorageClass')!;
const budgets = findResourceByKind('policy/v1', 'PodDisruptionBudget')!;

export interface RunOptions {
  logger?: Logger;
  identity?: string;
  /** Called once the metrics server listens (its real port, 0 when off). */
  onMetricsListening?: (port: number) => void;
}

/** 'stopped' by the signal, or 'lost-leadership': the process should exit and stand again, as kube-scheduler does. */
export type RunResult = 'stopped' | 'lost-leadership';

/**
 * The scheduler process: with --leader-elect only the holder of Lease
 * kube-system/kube-scheduler schedules; a standby keeps campaigning. Resolves when the
 * signal aborts or leadership is lost, after in-flight bindings settled.
 */
export async function run(config: SchedulerConfig, signal: AbortSignal, opts: RunOptions = {}): Promise<RunResult> {
  const logger = opts.logger ?? createLogger('scheduler', config.logLevel);
  const identity = opts.identity ?? `${hostname()}_${randomBytes(8).toString('hex')}`;
  const client = RestClient.fromKubeconfig(config.kubeconfig, { userAgent: `scheduler/${identity}` });
  // A renewed client certificate in the kubeconfig is taken without a restart.
  signal.addEventListener('abort', followKubeconfigCertificate(config.kubeconfig, client), { once: true });
  const registry = createMetricsRegistry('scheduler');
  const metrics = createSchedulerMetrics(registry);
  const leaderGauge = new Gauge({ name: 'skiff_leader_election_master_status', help: '1 while this replica leads', registers: [registry] });
  let server: MetricsServer | undefined;
  let done: Promise<void> | undefined;
  try {
    if (config.metricsPort > 0) {
      server = await serveMetrics(registry, config.metricsPort);
      logger.info({ port: server.port }, 'serving /metrics and /healthz');
    }
    opts.onMetricsListening?.(server?.port ?? 0);
    const start = (leading: AbortSignal) => {
      leaderGauge.set(1);
      done = runScheduling({ client, config, logger, metrics }, leading).catch((err: unknown) => logger.error({ err }, 'scheduling loop failed'));
    };
    if (!config.leaderElect) {
      start(signal);
      await done;
      return 'stopped';
    }
    const elector = new LeaderElector({
      client,
      namespace: LEASE_NAMESPACE,
      name: LEASE_NAME,
      identity,
      leaseDurationSeconds: config.leaseDurationSeconds,
      renewDeadlineMs: 1000 * Math.min(10, (config.leaseDurationSeconds * 2) / 3),
      retryPeriodMs: 1000 * Math.min(2, config.leaseDurationSeconds / 5),
      onStartedLeading: start,
      onStoppedLeading: () => leaderGauge.set(0),
      onNewLeader: (holder) => logger.info({ leader: holder, self: holder === identity }, 'new leader observed'),
      logger,
    });
    logger.info({ identity, lease: `${LEASE_NAMESPACE}/${LEASE_NAME}` }, 'campaigning for leadership');
    await elector.run(signal);
    await done;
    if (signal.aborted) return 'stopped';
    logger.error({ identity }, 'leader election lost');
    return 'lost-leadership';
  } finally {
    await server?.close();
    client.close();
  }
}

export interface SchedulingDeps {
  client: RestClient;
  config: Pick<SchedulerConfig, 'parallelism' | 'percentageOfNodesToScore'>;
  logger: Logger;
  metrics?: SchedulerMetrics;
}

/** Informers on pods and nodes feeding one Scheduler, until the signal aborts. */
export async function runScheduling(deps: SchedulingDeps, signal: AbortSignal): Promise<void> {
  const { client, config, logger, metrics } = deps;
  const informers = new InformerFactory(client, { logger });
  const podInformer = informers.informerFor<Pod>(pods);
  const nodeInformer = informers.informerFor<Node>(nodes);
  const claimInformer = informers.informerFor<PersistentVolumeClaim>(claims);
  const volumeInformer = informers.informerFor<PersistentVolume>(volumes);
  const classInformer = informers.informerFor<StorageClass>(classes);
  const budgetInformer = informers.informerFor<PodDisruptionBudget>(budgets);
  const recorder = new EventRecorder(client, { component: 'default-scheduler', logger });
  const scheduler = new Scheduler({
    binder: new ApiBinder(client),
    recorder,
    logger,
    metrics,
    parallelism: config.parallelism,
    percentageOfNodesToScore: config.percentageOfNodesToScore,
    volumes: {
      getClaim: (ns, name) => claimInformer.get(ns, name),
      getVolume: (name) => volumeInformer.get(undefined, name),
      listVolumes: () => volumeInformer.list(),
      getClass: (name) => classInformer.get(undefined, name),
    },
    pdbs: () => budgetInformer.list(),
  });
  // Nodes first, so pods that arrive with the first list meet a populated cache.
  nodeInformer.onAdd((node) => scheduler.onNodeAdd(node));
  nodeInformer.onUpdate((old, node) => scheduler.onNodeUpdate(old, node));
  nodeInformer.onDelete((node) => scheduler.onNodeDelete(node));
  podInformer.onAdd((pod) => scheduler.onPodAdd(pod));
  podInformer.onUpdate((old, pod) => scheduler.onPodUpdate(old, pod));
  podInformer.onDelete((pod) => scheduler.onPodDelete(pod));
  // A claim created or bound, a volume freed, a class added: a pod parked for its volumes may fit now.
  for (const informer of [claimInformer, volumeInformer, classInformer] as const) {
    informer.onAdd(() => scheduler.queue.moveAllToActiveOrBackoff());
    informer.onUpdate((old, cur) => {
      if (old.metadata?.resourceVersion !== cur.metadata?.resourceVersion) scheduler.queue.moveAllToActiveOrBackoff();
    });
    informer.onDelete(() => scheduler.queue.moveAllToActiveOrBackoff());
  }
  informers.start(signal);
  const gaugeTimer = setInterval(() => scheduler.updatePendingGauge(), 1000);
  gaugeTimer.unref();
  try {
    if (!(await informers.waitForSync(signal))) return;
    logger.info({ nodes: scheduler.cache.nodes.length, pending: scheduler.pendingCount() }, 'caches synced; scheduling');
    await scheduler.run(signal);
    await recorder.flush();
  } finally {
    clearInterval(gaugeTimer);
  }
}
