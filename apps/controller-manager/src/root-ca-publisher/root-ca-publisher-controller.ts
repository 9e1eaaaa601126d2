/** The root-ca-cert-publisher controller (to be written). */
import type { Controller } from '../controller.ts';

export function newRootCaPublisherController(): Controller {
  return { name: 'root-ca-cert-publisher', run: async () => undefined };
}
