/** The local-path provisioner's node half as a component, for its own process (main.ts) or the agent role's. */
import type { ComponentMain } from '@skiff/log';
import { parseLocalPathFlags, type LocalPathConfig } from './config.ts';
import { run } from './index.ts';

export const localPathComponent: ComponentMain<LocalPathConfig> = {
  component: 'local-path',
  parseFlags: parseLocalPathFlags,
  run: async (config, signal, logger) => {
    await run(config, signal, { logger });
    return 0;
  },
};
