/** NetworkPolicy enforcement as a component, for its own process (main.ts) or the agent role's. */
import type { ComponentMain } from '@skiff/log';
import { parseNetworkPolicyFlags, type NetworkPolicyConfig } from './config.ts';
import { run } from './index.ts';

export const networkPolicyComponent: ComponentMain<NetworkPolicyConfig> = {
  component: 'network-policy',
  parseFlags: parseNetworkPolicyFlags,
  run: async (config, signal, logger) => {
    await run(config, signal, { logger });
    return 0;
  },
};
