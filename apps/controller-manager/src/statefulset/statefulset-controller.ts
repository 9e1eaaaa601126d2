import { keyedController, type Controller } from '../controller.ts';

/** Placeholder while the statefulset controller is being written: it watches nothing and does nothing. */
export function newStatefulSetController(): Controller {
  return keyedController('statefulset', 1, () => undefined);
}
