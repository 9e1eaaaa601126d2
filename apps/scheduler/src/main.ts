/**
 * Process entry: `node apps/scheduler/src/main.ts --kubeconfig=PATH [--leader-elect=true]
 * [--metrics-port=10259] [--parallelism=16]`. SIGTERM/SIGINT stop gracefully (release the
 * lease, let bindings in flight finish) and exit 0; losing leadership exits 1.
 */
import { createLogger } from '@skiff/log';
import { FlagError, parseSchedulerFlags, type SchedulerConfig } from './config.ts';
import { run } from './index.ts';

let config: SchedulerConfig;
try {
  config = parseSchedulerFlags(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof FlagError ? err.message : String(err)}\n`);
  process.exit(2);
}

const logger = createLogger('scheduler', config.logLevel);
process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

const abort = new AbortController();
const stop = (signal: string) => {
  if (abort.signal.aborted) return;
  logger.info({ signal }, 'signal received');
  abort.abort();
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

try {
  const result = await run(config, abort.signal, { logger });
  process.exit(result === 'stopped' ? 0 : 1);
} catch (err) {
  logger.fatal({ err }, 'scheduler failed');
  process.exit(1);
}
