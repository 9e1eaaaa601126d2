import { keyedController, type Controller } from '../controller.ts';

/** Placeholder while the persistentvolume-binder controller is being written: it watches nothing and does nothing. */
export function newPersistentVolumeBinderController(): Controller {
  return keyedController('persistentvolume-binder', 1, () => undefined);
}
