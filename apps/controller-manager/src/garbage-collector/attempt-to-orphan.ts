import { ORPHAN_FINALIZER } from './dependency-graph.ts';
import type { GcDeps } from './attempt-to-delete.ts';
import { describe, removeFinalizer, removeOwnerReferences } from './object-access.ts';

/**
 * An owner deleted with propagationPolicy=Orphan: first every dependent loses its
 * reference to it (so nothing later mistakes them for garbage), then the `orphan`
 * finalizer goes and the apiserver removes the owner. A failure part-way throws; the
 * retry redoes only what is left, since each step checks the live object.
 */
export async function attemptToOrphan(deps: Omit<GcDeps, 'enqueueDelete'>, uid: string): Promise<void> {
  const owner = deps.graph.get(uid);
  if (!owner?.orphaning) return;
  for (const dep of deps.graph.dependentsOf(uid)) {
    const res = await deps.resolve(dep.identity.apiVersion, dep.identity.kind);
    if (!res) continue;
    if (await removeOwnerReferences(deps.client, res, dep.identity, [uid])) {
      deps.logger.info({ object: describe(dep.identity), owner: describe(owner.identity) }, 'orphaned dependent');
    }
  }
  const res = await deps.resolve(owner.identity.apiVersion, owner.identity.kind);
  if (res && (await removeFinalizer(deps.client, res, owner.identity, ORPHAN_FINALIZER))) {
    deps.logger.info({ object: describe(owner.identity) }, 'dependents orphaned; removed orphan finalizer');
  }
}
