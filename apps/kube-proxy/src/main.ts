/**
 * Process entry: `node apps/kube-proxy/src/main.ts --kubeconfig=P --node-name=N
 * [--cluster-cidr=10.244.0.0/16] [--min-sync-period-ms=1000] [--metrics-port=10249] [--cleanup]`.
 * SIGTERM/SIGINT stop gracefully (the rules stay, as kube-proxy leaves them) and exit 0.
 */
import { createLogger } from '@skiff/log';
import { FlagError, parseProxyFlags, type ProxyConfig } from './config.ts';
import { run } from './run.ts';

let config: ProxyConfig;
try {
  config = parseProxyFlags(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof FlagError ? err.message : String(err)}\n`);
  process.exit(2);
}

const logger = createLogger('kube-proxy', config.logLevel);
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
  logger.fatal({ err }, 'kube-proxy failed');
  process.exit(1);
}
