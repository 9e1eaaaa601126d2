/** The node-local DNS server as a component, for its own process (main.ts) or a role's (`skiff agent`). */
import type { ComponentMain } from '@skiff/log';
import { FlagError, parseDnsFlags, type DnsConfig } from './config.ts';
import { run } from './index.ts';

export const dnsComponent: ComponentMain<DnsConfig> = {
  component: 'dns',
  parseFlags: parseDnsFlags,
  isUsageError: (err) => err instanceof FlagError,
  run: async (config, signal, logger) => { await run(config, signal, { logger }); return 0; },
};
