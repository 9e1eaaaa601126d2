import { keyedController, type Controller } from '../controller.ts';

/** Placeholder while the daemonset controller is being written: it watches nothing and does nothing. */
export function newDaemonSetController(): Controller {
  return keyedController('daemonset', 1, () => undefined);
}
