/** The scheduler as a component, for its own process (main.ts) or a role's (`skiff server`). Losing leadership is code 1. */
import type { ComponentMain } from '@skiff/log';
import { parseSchedulerFlags, type SchedulerConfig } from './config.ts';
import { run } from './index.ts';

export const schedulerComponent: ComponentMain<SchedulerConfig> = {
  component: 'scheduler',
  parseFlags: parseSchedulerFlags,
  run: async (config, signal, logger) => ((await run(config, signal, { logger })) === 'stopped' ? 0 : 1),
};
