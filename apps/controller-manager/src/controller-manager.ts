import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '@skiff/log';
import type { ControllerContext, ControllerFactory } from './controller.ts';
import { selectControllers } from './config.ts';

export interface StartControllersOptions {
  ctx: ControllerContext;
  factories: Readonly<Record<string, ControllerFactory | undefined>>;
  /** All names the manager knows (a known name without a factory is logged and skipped). */
  known: readonly string[];
  registry?: Registry;
}

export interface RunningControllers {
  names: string[];
  /** Names whose run() rejected; the manager reports itself unhealthy while any did. */
  failed: Set<string>;
  /** Resolves once every controller's run() has settled. */
  done: Promise<void>;
}

/**
 * Starts the enabled controllers, then the shared informers. Each controller asks for its
 * informers synchronously at the top of run(), so by the time the factory starts here it
 * knows every resource to list, and each informer lists once for all its users.
 */
export function startControllers(opts: StartControllersOptions, signal: AbortSignal): RunningControllers {
  const { ctx, factories, known, registry } = opts;
  const log = ctx.logger;
  const wanted = selectControllers(ctx.config.controllers, known);
  const running = registry ? controllerGauge(registry) : undefined;
  const failed = new Set<string>();
  const names: string[] = [];
  const runs: Promise<void>[] = [];
  for (const name of wanted) {
    const factory = factories[name];
    if (!factory) {
      log.warn({ controller: name }, 'controller not available in this build; skipping');
      continue;
    }
    const controller = factory();
    const controllerLog = log.child({ controller: name });
    names.push(name);
    running?.set({ controller: name }, 1);
    runs.push(
      runOne(controller.run.bind(controller), { ...ctx, logger: controllerLog }, signal, controllerLog).then(
        () => running?.set({ controller: name }, 0),
        (err: unknown) => {
          failed.add(name);
          running?.set({ controller: name }, 0);
          controllerLog.error({ err }, 'controller stopped with an error');
        },
      ),
    );
  }
  ctx.informers.start(signal);
  log.info({ controllers: names, informers: ctx.informers.size }, 'controllers started');
  return { names, failed, done: Promise.all(runs).then(() => undefined) };
}

/** Calls run at once (synchronously), so its informerFor calls happen before start(). */
function runOne(run: (ctx: ControllerContext, signal: AbortSignal) => Promise<void>, ctx: ControllerContext, signal: AbortSignal, log: Logger): Promise<void> {
  let promise: Promise<void>;
  try {
    promise = run(ctx, signal);
  } catch (err) {
    return Promise.reject(err);
  }
  return promise.then(() => {
    if (!signal.aborted) log.warn('controller returned before shutdown');
  });
}

function controllerGauge(registry: Registry): Gauge<'controller'> {
  const existing = registry.getSingleMetric('skiff_controller_running');
  if (existing) return existing as Gauge<'controller'>;
  return new Gauge({
    name: 'skiff_controller_running',
    help: 'Whether each controller is running (1) or not (0)',
    labelNames: ['controller'],
    registers: [registry],
  });
}
