import { keyedController, type Controller } from '../controller.ts';

/** Placeholder while the cronjob controller is being written: it watches nothing and does nothing. */
export function newCronJobController(): Controller {
  return keyedController('cronjob', 1, () => undefined);
}
