/**
 * CustomResourceDefinitions (apiextensions' strategy): status is the controllers' own, except
 * that the storage version is recorded in status.storedVersions on every write that names one,
 * and the cleanup finalizer rides on every CRD so deleting it first deletes its objects.
 */
import type { KubeObject } from '../../storage/store.ts';
import type { CrdSpec, CrdStatus } from '../custom-resources/crd-types.ts';
import { CLEANUP_FINALIZER, storageVersionOf } from '../custom-resources/crd-types.ts';
import type { Strategy } from './strategy.ts';

function recordStorageVersion(obj: KubeObject, status: CrdStatus): CrdStatus {
  const storage = storageVersionOf((obj.spec ?? {}) as CrdSpec);
  const stored = status.storedVersions ?? [];
  if (storage && !stored.includes(storage)) return { ...status, storedVersions: [...stored, storage] };
  return status;
}

export const customResourceDefinitionStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.status = recordStorageVersion(obj, {});
    const finalizers = obj.metadata.finalizers ?? [];
    if (!finalizers.includes(CLEANUP_FINALIZER)) obj.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
  },
  prepareForUpdate(obj, old) {
    obj.status = recordStorageVersion(obj, structuredClone((old.status ?? {}) as CrdStatus));
  },
  tracksGeneration: () => true,
};
