/** The node-local DNS server as a component, for its own process (main.ts) or a role's (`skiff agent`). */
import type { ComponentMain } from '@skiff/log';
import { parseDnsFlags, type DnsConfig } from './config.ts';
import { run } from './index.ts';

export const dnsComponent: ComponentMain<DnsConfig> = {
  component: 'dns',
  parseFlags: parseDnsFlags,
  run: async (config, signal, logger) => {
    await run(config, signal, { logger });
    return 0;
  },
};
