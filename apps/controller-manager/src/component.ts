/**
 * The controller-manager as a component, for its own process (main.ts) or a role's (`skiff
 * server`). Losing the lease ends `run` (code 0): the process exits and a fresh one campaigns again.
 */
import type { ComponentMain } from '@skiff/log';
import { parseControllerManagerFlags, selectControllers, type ControllerManagerConfig } from './config.ts';
import { CONTROLLER_NAMES } from './controllers.ts';
import { run } from './index.ts';

export const controllerManagerComponent: ComponentMain<ControllerManagerConfig> = {
  component: 'controller-manager',
  parseFlags: (argv) => {
    const config = parseControllerManagerFlags(argv);
    // A typo in --controllers is a usage error, found before anything starts.
    selectControllers(config.controllers, CONTROLLER_NAMES);
    return config;
  },
  run: async (config, signal, logger) => {
    const result = await run(config, signal, { logger });
    logger.info({ result }, 'controller-manager exiting');
    return 0;
  },
};
