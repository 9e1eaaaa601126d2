/** The service-lb controller (to be written): addresses for LoadBalancer Services on bare metal. */
import type { Controller } from '../controller.ts';

export function newServiceLbController(): Controller {
  return { name: 'service-lb', run: async () => undefined };
}
