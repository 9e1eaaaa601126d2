/**
 * Controllers that run inside every apiserver, as kube-apiserver runs its own (the CRD naming,
 * establishing and finalizer controllers, the APIService autoregistration and availability
 * controllers). Each watches through ctx.watched; each apiserver of an HA control plane runs
 * its own copy, and writes that more than one could make are compare-and-swap updates.
 */
import type { RegistryContext } from './context.ts';
import { startCustomResourceDefinitionController } from './custom-resources/crd-controller.ts';
import { startApiServiceController } from './apiservices/apiservice-controller.ts';

/** Starts each controller; the answer stops them all. */
export function startRegistryControllers(ctx: RegistryContext): () => void {
  const stops = [startCustomResourceDefinitionController, startApiServiceController].map((start) => start(ctx));
  return () => { for (const stop of stops) stop(); };
}
