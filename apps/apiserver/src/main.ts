/**
 * Process entry: `node apps/apiserver/src/main.ts --etcd-servers=... --tls-cert-file=...`.
 * SIGTERM/SIGINT close gracefully (stop accepting, end watches, close etcd) and exit 0.
 */
import { createLogger } from '@skiff/log';
import { FlagError, parseApiServerFlags, type ApiServerConfig } from './config.ts';
import { run, type ApiServerHandle } from './index.ts';

let config: ApiServerConfig;
try {
  config = parseApiServerFlags(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof FlagError ? err.message : String(err)}\n`);
  process.exit(2);
}

const logger = createLogger('apiserver', config.logLevel);

// A bug in one request must not take the API down, but it must not pass silently either.
process.on('uncaughtException', (err) => { logger.error({ err }, 'uncaught exception'); });
process.on('unhandledRejection', (reason) => { logger.error({ err: reason }, 'unhandled promise rejection'); });

let handle: ApiServerHandle | undefined;
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'signal received');
  try {
    await handle?.close();
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));

try {
  handle = await run(config);
  if (stopping) await handle.close();
} catch (err) {
  logger.fatal({ err }, 'apiserver failed to start');
  process.exit(1);
}
