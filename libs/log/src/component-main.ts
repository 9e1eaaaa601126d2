/**
 * The process entry every long-running component shares: parse flags (a usage error
 * exits 2 with the message), log with pino, turn SIGTERM/SIGINT into an abort signal,
 * and exit with the code `run` returns (1 if it throws). Uncaught errors are logged,
 * not swallowed and not fatal: one bad event must not take a component down.
 */
import { createLogger, type Logger } from './logger.ts';
import { markShuttingDown } from './metrics-server.ts';

export interface ComponentMain<C extends { logLevel?: string }> {
  component: string;
  parseFlags(argv: string[]): C;
  /** True for the component's flag errors (usage text in the message). */
  isUsageError(err: unknown): boolean;
  /** Runs until `signal` aborts; resolves to the process exit code. */
  run(config: C, signal: AbortSignal, logger: Logger): Promise<number>;
}

export async function runComponentMain<C extends { logLevel?: string }>(main: ComponentMain<C>, argv = process.argv.slice(2)): Promise<never> {
  let config: C;
  try {
    config = main.parseFlags(argv);
  } catch (err) {
    process.stderr.write(`${main.isUsageError(err) ? (err as Error).message : String(err)}\n`);
    process.exit(2);
  }
  const logger = createLogger(main.component, config.logLevel);
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  const abort = new AbortController();
  const stop = (signal: string): void => {
    if (abort.signal.aborted) return;
    logger.info({ signal }, 'signal received');
    markShuttingDown();
    abort.abort();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  try {
    process.exit(await main.run(config, abort.signal, logger));
  } catch (err) {
    logger.fatal({ err }, `${main.component} failed`);
    process.exit(1);
  }
}
