import { keyedController, type Controller } from '../controller.ts';

/** Placeholder while the job controller is being written: it watches nothing and does nothing. */
export function newJobController(): Controller {
  return keyedController('job', 1, () => undefined);
}
