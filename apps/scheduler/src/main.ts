/**
 * Process entry: `node apps/scheduler/src/main.ts --kubeconfig=PATH [--leader-elect=true]
 * [--metrics-port=10259] [--parallelism=16]`. SIGTERM/SIGINT stop gracefully (release the
 * lease, let bindings in flight finish) and exit 0; losing leadership exits 1.
 */
import { runComponentMain } from '@skiff/log';
import { FlagError, parseSchedulerFlags } from './config.ts';
import { run } from './index.ts';

await runComponentMain({
  component: 'scheduler',
  parseFlags: parseSchedulerFlags,
  isUsageError: (err) => err instanceof FlagError,
  run: async (config, signal, logger) => ((await run(config, signal, { logger })) === 'stopped' ? 0 : 1),
});
