import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Gauge } from 'prom-client';
import { followKubeconfigCertificate, EventRecorder, InformerFactory, LeaderElector, RestClient } from '@skiff/client';
import { createLogger, createMetricsRegistry, serveMetrics, type Logger, type MetricsServer } from '@skiff/log';
import { selectControllers, type ControllerManagerConfig } from './config.ts';
import type { ControllerContext, ControllerFactory } from './controller.ts';
import { CONTROLLER_NAMES, controllerFactories } from './controllers.ts';
import { startControllers, type RunningControllers } from './controller-manager.ts';

export type { ControllerManagerConfig } from './config.ts';
export { parseControllerManagerFlags, selectControllers, FlagError } from './config.ts';
export type { Controller, ControllerContext, ControllerFactory } from './controller.ts';
export { CONTROLLER_NAMES, controllerFactories } from './controllers.ts';

export const LEASE_NAMESPACE = 'kube-system';
export const LEASE_NAME = 'kube-controller-manager';

/** How long shutdown waits for controllers to finish their in-flight syncs. */
const STOP_GRACE_MS = 5_000;

export interface RunOptions {
  logger?: Logger;
  /** Defaults to the full registry in controllers.ts; tests pass their own. */
  factories?: Readonly<Record<string, ControllerFactory | undefined>>;
  known?: readonly string[];
  identity?: string;
  /** Called once the metrics server listens (its real port, 0 when off). */
  onMetricsListening?: (port: number) => void;
}

/**
 * Why run() ended: the signal ('stopped'), or this replica lost the lease
 * ('lost-leadership') — then the process should exit and a fresh one stand again, as
 * kube-controller-manager does, rather than restart controllers with stale state.
 */
export type RunResult = 'stopped' | 'lost-leadership';

/**
 * The controller-manager: one client, one shared informer factory, one event recorder;
 * with --leader-elect only the holder of Lease kube-system/kube-controller-manager runs
 * controllers. Resolves when `signal` aborts or leadership is lost, after the controllers
 * stopped (or STOP_GRACE_MS passed) and the metrics server closed.
 */
export async function run(config: ControllerManagerConfig, signal: AbortSignal, opts: RunOptions = {}): Promise<RunResult> {
  const logger = opts.logger ?? createLogger('controller-manager', config.logLevel);
  // A typo in --controllers fails the start, not the first term as leader.
  selectControllers(config.controllers, opts.known ?? CONTROLLER_NAMES);
  const identity = opts.identity ?? `${hostname()}_${randomBytes(8).toString('hex')}`;
  const client = RestClient.fromKubeconfig(config.kubeconfig, { userAgent: `controller-manager/${identity}` });
  // A renewed client certificate in the kubeconfig is taken without a restart.
  signal.addEventListener('abort', followKubeconfigCertificate(config.kubeconfig, client), { once: true });
  const registry = createMetricsRegistry('controller-manager');
  const leaderGauge = new Gauge({ name: 'skiff_leader_election_master_status', help: '1 while this replica leads', registers: [registry] });
  let running: RunningControllers | undefined;
  let recorder: EventRecorder | undefined;
  let metrics: MetricsServer | undefined;
  let leaving = false;
  try {
    if (config.metricsPort > 0) {
      // Unhealthy from the moment this process is on its way out (signal, or a lost lease: it exits),
      // so a launcher that finds it alive waits for the exit instead of counting on it.
      metrics = await serveMetrics(registry, config.metricsPort, '127.0.0.1', () => !leaving && !signal.aborted && (!running || running.failed.size === 0));
      logger.info({ port: metrics.port }, 'serving /metrics and /healthz');
    }
    opts.onMetricsListening?.(metrics?.port ?? 0);

    const start = (leading: AbortSignal) => {
      const ctx: ControllerContext = {
        client,
        informers: new InformerFactory(client, { logger }),
        recorder: (recorder = new EventRecorder(client, { component: 'controller-manager', logger })),
        logger,
        config,
      };
      running = startControllers({ ctx, factories: opts.factories ?? controllerFactories, known: opts.known ?? CONTROLLER_NAMES, registry }, leading);
    };

    if (!config.leaderElect) {
      leaderGauge.set(1);
      start(signal);
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      await settle(running, logger);
      return 'stopped';
    }

    const leaseSeconds = config.leaseDurationSeconds;
    const elector = new LeaderElector({
      client,
      namespace: LEASE_NAMESPACE,
      name: LEASE_NAME,
      identity,
      leaseDurationSeconds: leaseSeconds,
      renewDeadlineMs: 1000 * (config.renewDeadlineSeconds ?? Math.min(10, (leaseSeconds * 2) / 3)),
      retryPeriodMs: 1000 * (config.retryPeriodSeconds ?? Math.min(2, leaseSeconds / 5)),
      onStartedLeading: (leading) => {
        leaderGauge.set(1);
        start(leading);
      },
      onStoppedLeading: () => {
        leaving = true;
        leaderGauge.set(0);
      },
      onNewLeader: (holder) => logger.info({ leader: holder, self: holder === identity }, 'new leader observed'),
      logger,
    });
    logger.info({ identity, lease: `${LEASE_NAMESPACE}/${LEASE_NAME}` }, 'campaigning for leadership');
    await elector.run(signal);
    await settle(running, logger);
    if (signal.aborted) return 'stopped';
    logger.error({ identity }, 'leader election lost');
    return 'lost-leadership';
  } finally {
    // Events recorded during the last syncs are worth a moment; not more.
    if (recorder) await Promise.race([recorder.flush(), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    await metrics?.close();
    client.close();
  }
}

async function settle(running: RunningControllers | undefined, logger: Logger): Promise<void> {
  if (!running) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), STOP_GRACE_MS);
  });
  const finished = await Promise.race([running.done.then(() => true), timeout]);
  clearTimeout(timer);
  if (!finished) logger.warn({ graceMs: STOP_GRACE_MS }, 'controllers still busy at shutdown; leaving them');
}
