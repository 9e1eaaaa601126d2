import { runController, type ControllerSpec, type EventRecorder, type InformerFactory, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import type { ControllerManagerConfig } from './config.ts';

/** What the manager hands every controller: one client, shared informers, one recorder. */
export interface ControllerContext {
  client: RestClient;
  informers: InformerFactory;
  recorder: EventRecorder;
  /** Already carries `controller: <name>`. */
  logger: Logger;
  config: ControllerManagerConfig;
}

/**
 * One control loop. `run` calls ctx.informers.informerFor(...) synchronously before its
 * first await (the manager starts the shared factory once every controller has asked),
 * and resolves once the signal aborted and its workers stopped. Controllers that work
 * a queue of keys are written with `keyedController`.
 */
export interface Controller {
  name: string;
  run(ctx: ControllerContext, signal: AbortSignal): Promise<void>;
}

export type ControllerFactory = () => Controller;

/** What a keyed controller declares; the runner (libs/client) does the rest. */
export type ControllerDeclaration = Omit<ControllerSpec, 'name' | 'workers' | 'logger'>;

/**
 * A controller on the shared ControllerRunner. `declare` asks for its informers
 * (synchronously, before any await of its own) and answers what it watches, how events
 * map to keys, and sync(key); or undefined when it has nothing to do (not configured).
 * Workers: --workers / --concurrent-NAME-syncs, else `defaultWorkers`.
 */
export function keyedController(
  name: string,
  defaultWorkers: number,
  declare: (ctx: ControllerContext) => ControllerDeclaration | undefined | Promise<ControllerDeclaration | undefined>,
): Controller {
  return {
    name,
    async run(ctx, signal) {
      const declared = await declare(ctx);
      if (!declared) return;
      await runController({ ...declared, name, workers: ctx.config.workers?.[name] ?? defaultWorkers, logger: ctx.logger }, signal);
    },
  };
}
