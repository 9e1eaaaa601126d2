/**
 * apiextensions-apiserver's finalizer controller: a CRD marked for deletion keeps being served
 * for reads and deletes (creates are refused), every custom object of it is deleted through the
 * registry (so their own finalizers are honoured), and only when none is left does the
 * `customresourcecleanup.apiextensions.k8s.io` finalizer go, which lets the CRD go.
 */
import type { RegistryContext } from '../context.ts';
import { APISERVER_USER } from '../handlers.ts';
import { deleteCollection } from '../list.ts';
import { updateObject } from '../update.ts';
import type { CustomResourceDefinition } from './crd-types.ts';
import { CLEANUP_FINALIZER, isConditionTrue } from './crd-types.ts';
import { crdResource, setConditions, updateCrdStatus } from './crd-status.ts';
import type { CustomResourceInfo } from './served-resources.ts';

/** How soon to look again while objects with finalizers of their own are still going. */
const RECHECK_MS = 2000;

export async function cleanUpDefinition(
  ctx: RegistryContext,
  crd: CustomResourceDefinition,
  served: CustomResourceInfo[],
): Promise<void | { requeueAfter: number }> {
  const name = crd.metadata.name!;
  if (!(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return;
  // Never served, nothing can have been stored (upstream skips the deletion the same way).
  const res = served[0];
  if (isConditionTrue(crd, 'Established') && res) {
    await updateCrdStatus(ctx, name, (_, status) =>
      setConditions(ctx, status, {
        type: 'Terminating',
        status: 'True',
        reason: 'InstanceDeletionInProgress',
        message: 'CustomResource deletion is in progress',
      }),
    );
    await deleteCollection(ctx, res, undefined, {}, {});
    const left = await ctx.store.list(res, undefined, { limit: 1 });
    if (left.items.length > 0) {
      await updateCrdStatus(ctx, name, (_, status) =>
        setConditions(ctx, status, {
          type: 'Terminating',
          status: 'True',
          reason: 'InstanceDeletionCheck',
          message: 'could not confirm zero CustomResources remaining: objects with finalizers remain',
        }),
      );
      return { requeueAfter: RECHECK_MS };
    }
  }
  await updateCrdStatus(ctx, name, (_, status) =>
    setConditions(ctx, status, { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' }),
  );
  await updateObject(ctx, crdResource, undefined, name, {
    mode: 'main',
    transform: (current) => {
      current.metadata.finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
      if (current.metadata.finalizers.length === 0) delete current.metadata.finalizers;
      return current;
    },
    opts: { user: APISERVER_USER },
  });
}
