/** kube-proxy as a component, for its own process (main.ts) or a role's (`skiff agent`). */
import type { ComponentMain } from '@skiff/log';
import { parseProxyFlags, type ProxyConfig } from './config.ts';
import { run } from './run.ts';

export const kubeProxyComponent: ComponentMain<ProxyConfig> = {
  component: 'kube-proxy',
  parseFlags: parseProxyFlags,
  run: async (config, signal, logger) => {
    await run(config, signal, { logger });
    return 0;
  },
};
