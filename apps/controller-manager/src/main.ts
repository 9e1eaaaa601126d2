/**
 * Process entry: `node apps/controller-manager/src/main.ts --kubeconfig=PATH [--leader-elect=true] ...`.
 * SIGTERM/SIGINT stop the controllers, release the lease and exit 0; losing the lease
 * also exits 0 after logging, so a supervisor's fresh process campaigns again.
 */
import { createLogger } from '@skiff/log';
import { FlagError, parseControllerManagerFlags, type ControllerManagerConfig } from './config.ts';
import { run } from './index.ts';

let config: ControllerManagerConfig;
try {
  config = parseControllerManagerFlags(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof FlagError ? err.message : String(err)}\n`);
  process.exit(2);
}

const logger = createLogger('controller-manager', config.logLevel);

// A bug in one sync must not stop every controller, but it must not pass silently either.
process.on('uncaughtException', (err) => { logger.error({ err }, 'uncaught exception'); });
process.on('unhandledRejection', (reason) => { logger.error({ err: reason }, 'unhandled promise rejection'); });

const abort = new AbortController();
const onSignal = (name: string) => {
  if (abort.signal.aborted) return;
  logger.info({ signal: name }, 'signal received; shutting down');
  abort.abort();
};
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGINT', () => onSignal('SIGINT'));

try {
  const result = await run(config, abort.signal, { logger });
  logger.info({ result }, 'controller-manager exiting');
  process.exit(0);
} catch (err) {
  // --controllers is checked against the registry only here; it is a usage error all the same.
  if (err instanceof FlagError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  logger.fatal({ err }, 'controller-manager failed');
  process.exit(1);
}
