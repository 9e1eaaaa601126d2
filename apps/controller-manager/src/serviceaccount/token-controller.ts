/** The serviceaccount-token controller (to be written). */
import type { Controller } from '../controller.ts';

export function newServiceAccountTokenController(): Controller {
  return { name: 'serviceaccount-token', run: async () => undefined };
}
