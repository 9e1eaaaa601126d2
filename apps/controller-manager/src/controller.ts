import type { EventRecorder, InformerFactory, RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import type { ControllerManagerConfig } from './config.ts';

/** What the manager hands every controller: one client, shared informers, one recorder. */
export interface ControllerContext {
  client: RestClient;
  informers: InformerFactory;
  recorder: EventRecorder;
  logger: Logger;
  config: ControllerManagerConfig;
}

/**
 * One control loop. `run` calls ctx.informers.informerFor(...) synchronously before its
 * first await (the manager starts the shared factory once every controller has asked),
 * registers handlers, awaits ctx.informers.waitForSync(signal), then runs its workers
 * until `signal` aborts, and resolves once they have stopped.
 */
export interface Controller {
  name: string;
  run(ctx: ControllerContext, signal: AbortSignal): Promise<void>;
}

export type ControllerFactory = () => Controller;
