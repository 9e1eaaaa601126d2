import { keyedController, type Controller } from '../controller.ts';

/** Placeholder while the podgc controller is being written: it watches nothing and does nothing. */
export function newPodGcController(): Controller {
  return keyedController('podgc', 1, () => undefined);
}
