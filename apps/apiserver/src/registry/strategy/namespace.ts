import type { KubeObject } from '../../storage/store.ts';
import type { Strategy } from './strategy.ts';

/**
 * Namespaces are born Active with the `kubernetes` finalizer (the namespace controller
 * removes it through `finalize` once the content is gone). A plain update can change
 * neither spec.finalizers nor status: those belong to `finalize` and `status`.
 */
export const namespaceStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.spec = { ...(obj.spec as object | undefined), finalizers: ['kubernetes'] };
    obj.status = { phase: 'Active' };
  },
  prepareForUpdate(obj, old) {
    const oldSpec = (old.spec ?? {}) as Record<string, unknown>;
    obj.spec = { ...(obj.spec as object | undefined), finalizers: structuredClone(oldSpec.finalizers) };
    obj.status = structuredClone(old.status);
  },
  // Kubernetes does not give namespaces a generation.
  tracksGeneration: () => false,
};

export function isNamespaceTerminating(ns: KubeObject): boolean {
  return Boolean(ns.metadata.deletionTimestamp) || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating';
}
