/**
 * Recreate (Kubernetes' deployment/recreate.go, rewritten): scale every old ReplicaSet to
 * 0, wait until none of their pods is left running, then create and size the new one.
 */
import type { Deployment, ReplicaSet } from '@skiff/api';
import type { SyncResult } from '@skiff/client';
import { isDeploymentComplete } from './conditions.ts';
import { syncRolloutStatus } from './progress.ts';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSet, type PodMap, type SyncDeps } from './sync.ts';
import { actualReplicaCount, filterActiveReplicaSets, replicasOf } from './util.ts';

export async function rolloutRecreate(deps: SyncDeps, d: Deployment, rsList: readonly ReplicaSet[], podMap: PodMap): Promise<SyncResult> {
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(deps, d, rsList, false);
  let allRSs = [...oldRSs, newRS];
  // Step 1: old ReplicaSets to 0.
  if (await scaleDownOldReplicaSets(deps, filterActiveReplicaSets(oldRSs), d)) return syncRolloutStatus(deps, allRSs, newRS, d);
  // Step 2: wait for their pods to be gone (the pod delete handler brings us back).
  if (oldPodsRunning(newRS, oldRSs, podMap)) return syncRolloutStatus(deps, allRSs, newRS, d);
  // Step 3: the new ReplicaSet, at full size.
  if (!newRS) {
    ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(deps, d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  await scaleReplicaSet(deps, newRS!, replicasOf(d), d);
  if (isDeploymentComplete(d, d.status ?? {})) await cleanupDeployment(deps, oldRSs, d);
  return syncRolloutStatus(deps, allRSs, newRS, d);
}

async function scaleDownOldReplicaSets(deps: SyncDeps, activeOldRSs: ReplicaSet[], d: Deployment): Promise<boolean> {
  let scaled = false;
  for (const rs of activeOldRSs) {
    if (replicasOf(rs) === 0) continue;
    if ((await scaleReplicaSet(deps, rs, 0, d)).scaled) scaled = true;
  }
  return scaled;
}

/** An old RS still reports pods, or a pod of an old RS is not yet Succeeded/Failed. */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podMap: PodMap): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [rsUid, pods] of podMap) {
    if (newRS && newRS.metadata?.uid === rsUid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
