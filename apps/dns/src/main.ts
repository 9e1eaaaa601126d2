/**
 * Process entry: `node apps/dns/src/main.ts --kubeconfig=PATH [--bind=127.0.0.1] [--port=53]
 * [--cluster-domain=cluster.local] [--upstream=IP[:port],...] [--metrics-port=9153]`.
 * SIGTERM/SIGINT close the sockets and exit 0.
 */
import { createLogger } from '@skiff/log';
import { FlagError, parseDnsFlags, type DnsConfig } from './config.ts';
import { run } from './index.ts';

let config: DnsConfig;
try {
  config = parseDnsFlags(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof FlagError ? err.message : String(err)}\n`);
  process.exit(2);
}

const logger = createLogger('dns', config.logLevel);
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
  await run(config, abort.signal, { logger });
  process.exit(0);
} catch (err) {
  logger.fatal({ err }, 'dns failed');
  process.exit(1);
}
