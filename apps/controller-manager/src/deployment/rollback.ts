/**
 * Rollback through the `deprecated.deployment.rollback.to` annotation (what extensions/v1beta1
 * rollbackTo became; Kubernetes' deployment/rollback.go, rewritten). `kubectl rollout undo`
 * instead patches the old template into the deployment client-side: that needs nothing
 * here, the old RS simply becomes the new one again and gets a new revision.
 */
import type { Deployment, ReplicaSet } from '@skiff/api';
import type { SyncResult } from '@skiff/client';
import { deploymentsResource, getAllReplicaSetsAndSyncRevision, takeResourceVersion, type SyncDeps } from './sync.ts';
import { POD_TEMPLATE_HASH_LABEL, ROLLBACK_TO_ANNOTATION, equalIgnoreHash, lastRevision, revisionOf, setDeploymentAnnotationsTo } from './util.ts';

/** The revision asked for (0 = the previous one), or undefined when none or not a number. */
export function getRollbackTo(d: Deployment): number | undefined {
  const text = d.metadata?.annotations?.[ROLLBACK_TO_ANNOTATION];
  if (text === undefined) return undefined;
  const revision = Number(text);
  return Number.isInteger(revision) && revision >= 0 ? revision : undefined;
}

export async function rollback(deps: SyncDeps, d: Deployment, rsList: readonly ReplicaSet[]): Promise<SyncResult> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(deps, d, rsList, true);
  const allRSs = [...oldRSs, newRS];
  let revision = getRollbackTo(d) ?? 0;
  if (revision === 0) {
    revision = lastRevision(allRSs);
    if (revision === 0) {
      deps.recorder.event(d, 'Warning', 'DeploymentRollbackRevisionNotFound', 'Unable to find last revision.');
      return clearRollbackTo(deps, d);
    }
  }
  const target = allRSs.find((rs) => rs && revisionOf(rs) === revision);
  if (!target) {
    deps.recorder.event(d, 'Warning', 'DeploymentRollbackRevisionNotFound', 'Unable to find the revision to rollback to.');
    return clearRollbackTo(deps, d);
  }
  if (equalIgnoreHash(d.spec?.template, target.spec?.template)) {
    deps.recorder.event(
      d,
      'Warning',
      'DeploymentRollbackTemplateUnchanged',
      `The rollback revision contains the same template as current deployment "${d.metadata?.name}"`,
    );
    return clearRollbackTo(deps, d);
  }
  // Copy the template (without its hash label) and the RS's user annotations; the revision
  // moves on the next pass, when this RS is found to be the new one.
  const template = structuredClone(target.spec!.template!);
  if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  d.spec!.template = template;
  setDeploymentAnnotationsTo(d, target);
  await clearRollbackTo(deps, d);
  deps.recorder.event(d, 'Normal', 'DeploymentRollback', `Rolled back deployment "${d.metadata?.name}" to revision ${revision}`);
}

/** Writes the deployment (with any template change) without the rollback annotation. */
async function clearRollbackTo(deps: SyncDeps, d: Deployment): Promise<void> {
  if (d.metadata?.annotations) delete d.metadata.annotations[ROLLBACK_TO_ANNOTATION];
  const updated = await deps.client.update<Deployment>(deploymentsResource, d);
  takeResourceVersion(d, updated);
}
