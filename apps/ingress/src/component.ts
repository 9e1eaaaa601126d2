/** The built-in ingress controller as a component, for its own process (main.ts) or the agent role's. */
import type { ComponentMain } from '@skiff/log';
import { parseIngressFlags, type IngressConfig } from './config.ts';
import { run } from './index.ts';

export const ingressComponent: ComponentMain<IngressConfig> = {
  component: 'ingress',
  parseFlags: parseIngressFlags,
  run: async (config, signal, logger) => {
    await run(config, signal, { logger });
    return 0;
  },
};
