/**
 * Process entry: `node apps/dns/src/main.ts --kubeconfig=PATH [--bind=127.0.0.1] [--port=53]
 * [--cluster-domain=cluster.local] [--upstream=IP[:port],...] [--metrics-port=9153]`.
 * SIGTERM/SIGINT close the sockets and exit 0.
 */
import { runComponentMain } from '@skiff/log';
import { FlagError, parseDnsFlags } from './config.ts';
import { run } from './index.ts';

await runComponentMain({
  component: 'dns',
  parseFlags: parseDnsFlags,
  isUsageError: (err) => err instanceof FlagError,
  run: async (config, signal, logger) => { await run(config, signal, { logger }); return 0; },
});
