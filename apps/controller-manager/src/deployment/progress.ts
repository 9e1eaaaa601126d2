/**
 * Status and progress (Kubernetes' deployment/progress.go and calculateStatus): counts,
 * observedGeneration, Available, and the Progressing condition with its deadline.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Deployment, DeploymentStatus, ReplicaSet } from '@skiff/api';
import type { SyncResult } from '@skiff/client';
import {
  AVAILABLE,
  PROGRESSING,
  REPLICA_FAILURE,
  getCondition,
  hasProgressDeadline,
  isDeploymentComplete,
  isDeploymentProgressing,
  isDeploymentTimedOut,
  newCondition,
  reasons,
  removeCondition,
  setCondition,
} from './conditions.ts';
import type { SyncDeps } from './sync.ts';
import { updateDeploymentStatus } from './sync.ts';
import { actualReplicaCount, availableReplicaCount, maxUnavailableOf, readyReplicaCount, replicasOf, specReplicaCount } from './util.ts';

type MaybeRS = ReplicaSet | undefined;

/** The status the ReplicaSets add up to, with Available set from the minimum availability. */
export function calculateStatus(allRSs: readonly MaybeRS[], newRS: MaybeRS, d: Deployment, now: Date): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const unavailable = Math.max(0, specReplicaCount(allRSs) - available);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= replicasOf(d) - maxUnavailableOf(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', reasons.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', reasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** Writes the calculated status when it differs (scaling/paused path: no progress estimate). */
export async function syncDeploymentStatus(deps: SyncDeps, allRSs: readonly MaybeRS[], newRS: MaybeRS, d: Deployment): Promise<void> {
  const status = calculateStatus(allRSs, newRS, d, deps.now());
  if (isDeepStrictEqual(normalize(d.status), normalize(status))) return;
  d.status = status;
  await updateDeploymentStatus(deps, d);
}

/**
 * The Progressing condition for a rollout: NewReplicaSetAvailable once complete,
 * ReplicaSetUpdated (lastUpdateTime bumped) whenever something moved, and
 * ProgressDeadlineExceeded when nothing moved for progressDeadlineSeconds. Answers when
 * to look again so a stuck rollout times out even if no event arrives.
 */
export async function syncRolloutStatus(deps: SyncDeps, allRSs: readonly MaybeRS[], newRS: MaybeRS, d: Deployment): Promise<SyncResult> {
  const now = deps.now();
  const status = computeRolloutStatus(allRSs, newRS, d, now);
  if (isDeepStrictEqual(normalize(d.status), normalize(status))) return requeueStuckDeployment(d, status, now);
  d.status = status;
  await updateDeploymentStatus(deps, d);
}

/** The pure part of syncRolloutStatus. */
export function computeRolloutStatus(allRSs: readonly MaybeRS[], newRS: MaybeRS, d: Deployment, now: Date): DeploymentStatus {
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const completeBefore = status.replicas === status.updatedReplicas && current?.reason === reasons.newReplicaSetAvailable;
  if (hasProgressDeadline(d) && !completeBefore) {
    const subject = newRS ? `ReplicaSet "${newRS.metadata?.name}"` : `Deployment "${d.metadata?.name}"`;
    if (isDeploymentComplete(d, status)) {
      setCondition(status, newCondition(PROGRESSING, 'True', reasons.newReplicaSetAvailable, `${subject} has successfully progressed.`, now));
    } else if (isDeploymentProgressing(d, status)) {
      // Progress refreshes lastUpdateTime even with the same reason (setCondition would not).
      const condition = newCondition(PROGRESSING, 'True', reasons.replicaSetUpdated, `${subject} is progressing.`, now);
      if (current?.status === 'True') condition.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, PROGRESSING);
      setCondition(status, condition);
    } else if (isDeploymentTimedOut(d, status, now)) {
      setCondition(status, newCondition(PROGRESSING, 'False', reasons.timedOut, `${subject} has timed out progressing.`, now));
    }
  }
  const failure = replicaFailureCondition(allRSs, newRS);
  if (failure) setCondition(status, { ...failure, type: REPLICA_FAILURE });
  else removeCondition(status, REPLICA_FAILURE);
  return status;
}

/** A ReplicaFailure of the new RS (else of any RS), surfaced on the deployment. */
function replicaFailureCondition(allRSs: readonly MaybeRS[], newRS: MaybeRS) {
  const failureOf = (rs: MaybeRS) => rs?.status?.conditions?.find((c) => c.type === REPLICA_FAILURE);
  const found = failureOf(newRS) ?? allRSs.map(failureOf).find((c) => c !== undefined);
  if (!found) return undefined;
  return {
    type: REPLICA_FAILURE,
    status: found.status,
    reason: found.reason,
    message: found.message,
    lastUpdateTime: found.lastTransitionTime,
    lastTransitionTime: found.lastTransitionTime,
  };
}

/** A rollout in progress gets looked at again right after its deadline passes. */
export function requeueStuckDeployment(d: Deployment, status: DeploymentStatus, now: Date): SyncResult {
  const current = getCondition(d.status, PROGRESSING);
  if (!hasProgressDeadline(d) || !current) return;
  if (isDeploymentComplete(d, status) || current.reason === reasons.timedOut) return;
  const lastUpdate = Date.parse(current.lastUpdateTime ?? '');
  if (Number.isNaN(lastUpdate)) return;
  const after = lastUpdate + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 - now.getTime();
  return { requeueAfter: after < 1000 ? 0 : after + 1000 };
}

/**
 * Paused and resumed deployments get Progressing=Unknown, so the time spent paused never
 * counts towards the deadline. Answers whether it wrote.
 */
export async function checkPausedConditions(deps: SyncDeps, d: Deployment): Promise<boolean> {
  if (!hasProgressDeadline(d)) return false;
  const current = getCondition(d.status, PROGRESSING);
  if (current?.reason === reasons.timedOut) return false;
  const pausedExists = current?.reason === reasons.paused;
  const status = (d.status ??= {});
  if (d.spec?.paused && !pausedExists) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', reasons.paused, 'Deployment is paused', deps.now()));
  } else if (!d.spec?.paused && pausedExists) {
    setCondition(status, newCondition(PROGRESSING, 'Unknown', reasons.resumed, 'Deployment is resumed', deps.now()));
  } else {
    return false;
  }
  await updateDeploymentStatus(deps, d);
  return true;
}

/** Drops zero counts the apiserver may omit, so a stored status compares equal to a computed one. */
function normalize(status: DeploymentStatus | undefined): DeploymentStatus {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(status ?? {})) {
    if (value === 0 && key !== 'observedGeneration' && key !== 'collisionCount') continue;
    if (value === undefined) continue;
    out[key] = value;
  }
  return out as DeploymentStatus;
}
