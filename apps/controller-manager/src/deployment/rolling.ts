/**
 * RollingUpdate (Kubernetes' deployment/rolling.go, rewritten): one step per pass — scale
 * the new ReplicaSet up within maxSurge, or scale old ones down within maxUnavailable —
 * then report; the RS controller's status updates bring the next pass.
 */
import type { Deployment, ReplicaSet } from '@skiff/api';
import type { SyncResult } from '@skiff/client';
import { isDeploymentComplete } from './conditions.ts';
import { syncRolloutStatus } from './progress.ts';
import { cleanupDeployment, getAllReplicaSetsAndSyncRevision, scaleReplicaSet, type SyncDeps } from './sync.ts';
import {
  availableReplicaCount,
  compareByCreation,
  filterActiveReplicaSets,
  maxUnavailableOf,
  newReplicaSetReplicas,
  replicasOf,
  specReplicaCount,
} from './util.ts';

export async function rolloutRolling(deps: SyncDeps, d: Deployment, rsList: readonly ReplicaSet[]): Promise<SyncResult> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(deps, d, rsList, true);
  const allRSs = [...oldRSs, newRS!];
  if (await reconcileNewReplicaSet(deps, allRSs, newRS!, d)) return syncRolloutStatus(deps, allRSs, newRS, d);
  if (await reconcileOldReplicaSets(deps, allRSs, filterActiveReplicaSets(oldRSs), newRS!, d)) return syncRolloutStatus(deps, allRSs, newRS, d);
  if (isDeploymentComplete(d, d.status ?? {})) await cleanupDeployment(deps, oldRSs, d);
  return syncRolloutStatus(deps, allRSs, newRS, d);
}

/** Scale the new RS towards spec.replicas, never past replicas + maxSurge pods in total. */
async function reconcileNewReplicaSet(deps: SyncDeps, allRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  const desired = replicasOf(d);
  if (replicasOf(newRS) === desired) return false;
  const target = replicasOf(newRS) > desired ? desired : newReplicaSetReplicas(d, allRSs, newRS);
  return (await scaleReplicaSet(deps, newRS, target, d)).scaled;
}

/**
 * How many old pods may go now, keeping at least replicas − maxUnavailable available.
 * New pods that are not yet available count against the budget: they may never become so.
 *
 * Example: replicas 3, maxSurge 1, maxUnavailable 0 → minAvailable 3. Old RS 3 (all
 * available), new RS scaled to 1, not yet available: all = 4, 4 − 3 − 1 = 0 → wait.
 * Once the new pod is available: 4 − 3 − 0 = 1 → one old pod goes (old 2, new 1), and the
 * next pass may surge the new RS to 2.
 */
export function maxScaledDown(allRSs: readonly ReplicaSet[], newRS: ReplicaSet, d: Deployment): number {
  const minAvailable = replicasOf(d) - maxUnavailableOf(d);
  const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
  return specReplicaCount(allRSs) - minAvailable - newUnavailable;
}

async function reconcileOldReplicaSets(deps: SyncDeps, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  if (specReplicaCount(oldRSs) === 0) return false;
  const budget = maxScaledDown(allRSs, newRS, d);
  if (budget <= 0) return false;
  // Unhealthy old pods go first: they count as unavailable anyway and would block the rollout.
  const cleaned = await cleanupUnhealthyReplicas(deps, oldRSs, d, budget);
  const scaledDown = await scaleDownOldReplicaSets(deps, [...cleaned.oldRSs, newRS], cleaned.oldRSs, d);
  return cleaned.count + scaledDown > 0;
}

async function cleanupUnhealthyReplicas(
  deps: SyncDeps,
  oldRSs: ReplicaSet[],
  d: Deployment,
  maxCleanup: number,
): Promise<{ oldRSs: ReplicaSet[]; count: number }> {
  const sorted = [...oldRSs].sort(compareByCreation);
  let total = 0;
  for (let i = 0; i < sorted.length && total < maxCleanup; i++) {
    const rs = sorted[i];
    const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
    if (replicasOf(rs) === 0 || unhealthy <= 0) continue;
    const count = Math.min(maxCleanup - total, unhealthy);
    sorted[i] = (await scaleReplicaSet(deps, rs, replicasOf(rs) - count, d)).rs;
    total += count;
  }
  return { oldRSs: sorted, count: total };
}

/** Old RSes (oldest first) shrink by what is available above minAvailable. */
async function scaleDownOldReplicaSets(deps: SyncDeps, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], d: Deployment): Promise<number> {
  const minAvailable = replicasOf(d) - maxUnavailableOf(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return 0;
  const toScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(compareByCreation)) {
    if (total >= toScaleDown) break;
    if (replicasOf(rs) === 0) continue;
    const count = Math.min(replicasOf(rs), toScaleDown - total);
    await scaleReplicaSet(deps, rs, replicasOf(rs) - count, d);
    total += count;
  }
  return total;
}
