/** kube-proxy as a component, for its own process (main.ts) or a role's (`skiff agent`). */
import type { ComponentMain } from '@skiff/log';
import { FlagError, parseProxyFlags, type ProxyConfig } from './config.ts';
import { run } from './run.ts';

export const kubeProxyComponent: ComponentMain<ProxyConfig> = {
  component: 'kube-proxy',
  parseFlags: parseProxyFlags,
  isUsageError: (err) => err instanceof FlagError,
  run: async (config, signal, logger) => { await run(config, signal, { logger }); return 0; },
};
