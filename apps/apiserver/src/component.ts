/**
 * The apiserver as a component: its flags and `run(config, signal, logger)`, for its own process
 * (main.ts) or a role's (`skiff server`). It stops accepting, ends watches and closes etcd on abort.
 */
import type { ComponentMain } from '@skiff/log';
import { parseApiServerFlags, type ApiServerConfig } from './config.ts';
import { run } from './index.ts';

export const apiServerComponent: ComponentMain<ApiServerConfig> = {
  component: 'apiserver',
  parseFlags: parseApiServerFlags,
  run: async (config, signal) => {
    const handle = await run(config);
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    await handle.close();
    return 0;
  },
};
