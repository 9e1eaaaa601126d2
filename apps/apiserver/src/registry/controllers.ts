/**
 * Controllers that run inside every apiserver, as kube-apiserver runs its own (the CRD naming,
 * establishing and finalizer controllers, the APIService autoregistration and availability
 * controllers). Each watches through ctx.watched; each apiserver of an HA control plane runs
 * its own copy, and writes that more than one could make are compare-and-swap updates.
 */
import type { RegistryContext } from './context.ts';
import { startCustomResourceDefinitionController } from './custom-resources/crd-controller.ts';
import { startApiServiceController } from './apiservices/apiservice-controller.ts';

export interface RegistryControllers {
  stop(): void;
  /** True once the custom resources of the CRDs stored at start are served (readyz's crd-informer-synced). */
  customResourcesSynced(): boolean;
}

export function startRegistryControllers(ctx: RegistryContext): RegistryControllers {
  const crds = startCustomResourceDefinitionController(ctx);
  const stopApiServices = startApiServiceController(ctx);
  return {
    stop: () => {
      crds.stop();
      stopApiServices();
    },
    customResourcesSynced: () => crds.synced(),
  };
}
