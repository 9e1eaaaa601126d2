import { keyedController, type Controller } from '../controller.ts';

/** Placeholder while the ttl-after-finished controller is being written: it watches nothing and does nothing. */
export function newTtlAfterFinishedController(): Controller {
  return keyedController('ttl-after-finished', 1, () => undefined);
}
