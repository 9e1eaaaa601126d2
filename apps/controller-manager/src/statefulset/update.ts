/**
 * One pass of the StatefulSet's control loop (upstream's updateStatefulSet): bring the
 * replicas [0, replicas) into being, remove the condemned ordinals beyond them, then roll
 * the update revision out. OrderedReady ("monotonic") does one step per pass and waits
 * for every predecessor to be Running and Ready; Parallel acts on every ordinal at once.
 */
import type { ControllerRevision, Pod, StatefulSet, StatefulSetStatus } from '@skiff/api';
import { templateOfRevision } from '../common/controller-history.ts';
import { scaledValueFromIntOrPercent } from '../deployment/util.ts';
import { createMissingClaims, createStatefulPod, deleteStatefulPod, setClaimsOwnedByPod, type PodControlDeps } from './stateful-pod-control.ts';
import {
  isCreated,
  isFailed,
  isHealthy,
  isParallel,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newStatefulSetPod,
  ordinalOf,
  partitionOf,
  replicasOf,
  revisionOf,
  startOrdinalOf,
  updateStrategyOf,
} from './util.ts';

export interface UpdateDeps extends PodControlDeps {
  now: () => Date;
}

export interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

/** What the pods say, before this pass acts (the status upstream writes). */
export function computeStatus(set: StatefulSet, pods: readonly Pod[], revisions: Revisions, now: Date): StatefulSetStatus {
  const currentName = revisions.current.metadata?.name;
  const updateName = revisions.update.metadata?.name;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata?.generation,
    replicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    currentRevision: currentName,
    updateRevision: updateName,
    collisionCount: revisions.collisionCount,
  };
  for (const pod of pods) {
    if (isCreated(pod)) status.replicas++;
    if (isRunningAndReady(pod)) {
      status.readyReplicas!++;
      if (isRunningAndAvailable(pod, minReady, now)) status.availableReplicas!++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      if (revisionOf(pod) === currentName) status.currentReplicas!++;
      if (revisionOf(pod) === updateName) status.updatedReplicas!++;
    }
  }
  if (set.status?.conditions) status.conditions = set.status.conditions;
  return completeRollingUpdate(set, status);
}

/** A finished rolling update makes the update revision the current one. */
function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): StatefulSetStatus {
  const replicas = replicasOf(set);
  if (updateStrategyOf(set) === 'RollingUpdate' && status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
    return { ...status, currentReplicas: status.updatedReplicas, currentRevision: status.updateRevision };
  }
  return status;
}

/**
 * The set as the given revision had it (ApplyRevision): only the template is versioned.
 * A missing ordinal below the partition is recreated from the current revision.
 */
function setAtRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const template = templateOfRevision(revision);
  return template ? { ...set, spec: { ...set.spec!, template } } : set;
}

function newVersionedPod(set: StatefulSet, revisions: Revisions, ordinal: number): Pod {
  const useCurrent =
    updateStrategyOf(set) === 'RollingUpdate' &&
    ordinal < startOrdinalOf(set) + (set.spec?.updateStrategy?.rollingUpdate ? partitionOf(set) : (set.status?.currentReplicas ?? 0));
  const revision = useCurrent ? revisions.current : revisions.update;
  return newStatefulSetPod(setAtRevision(set, revision), ordinal, revision.metadata?.name ?? '');
}

/** maxUnavailable of the rolling update: an int or a percentage of replicas rounded down, at least 1. */
export function maxUnavailableOf(set: StatefulSet): number {
  const value = set.spec?.updateStrategy?.rollingUpdate?.maxUnavailable as number | string | undefined;
  return Math.max(1, scaledValueFromIntOrPercent(value ?? 1, replicasOf(set), false));
}

/**
 * Acts for one pass over the claimed pods and answers the status to write. Returns early
 * (the next pod event brings the next pass) wherever the ordered policy must wait.
 */
export async function updateStatefulSet(deps: UpdateDeps, set: StatefulSet, pods: readonly Pod[], revisions: Revisions): Promise<StatefulSetStatus> {
  const now = deps.now();
  const status = computeStatus(set, pods, revisions, now);
  if (set.metadata?.deletionTimestamp) return status;
  const count = replicasOf(set);
  const start = startOrdinalOf(set);
  const minReady = set.spec?.minReadySeconds ?? 0;
  const monotonic = !isParallel(set);
  const replicas: (Pod | undefined)[] = new Array(count).fill(undefined);
  const condemned: Pod[] = [];
  for (const pod of pods) {
    const ord = ordinalOf(pod);
    if (ord >= start && ord < start + count) replicas[ord - start] = pod;
    else if (ord >= 0) condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(a) - ordinalOf(b));
  const unhealthy = (pod: Pod) => !isHealthy(pod, minReady, now);
  const firstUnhealthy = replicas.find((p) => p !== undefined && unhealthy(p)) ?? condemned.find(unhealthy);

  // Step 1: every ordinal of [start, start+replicas) exists, in order when monotonic.
  for (let i = 0; i < count; i++) {
    const pod = replicas[i];
    if (pod === undefined) {
      await createStatefulPod(deps, set, newVersionedPod(set, revisions, start + i));
      if (monotonic) return status;
      continue;
    }
    if ((isFailed(pod) || isSucceeded(pod)) && !isTerminating(pod)) {
      if (isFailed(pod))
        deps.recorder.event(
          set,
          'Warning',
          'RecreatingFailedPod',
          `StatefulSet ${set.metadata?.namespace}/${set.metadata?.name} is recreating failed Pod ${pod.metadata?.name}`,
        );
      else
        deps.recorder.event(
          set,
          'Normal',
          'RecreatingTerminatedPod',
          `StatefulSet ${set.metadata?.namespace}/${set.metadata?.name} is recreating terminated Pod ${pod.metadata?.name}`,
        );
      await deleteStatefulPod(deps, set, pod);
      if (monotonic) return status;
      continue;
    }
    if (isTerminating(pod)) {
      if (monotonic) return status;
      continue;
    }
    // Storage may have been deleted under a live pod: recreate what it refers to.
    await createMissingClaims(deps, set, pod);
    if (unhealthy(pod) && monotonic) return status;
  }

  // Step 2: condemned ordinals go highest first; monotonic, one at a time once all are healthy.
  for (let target = condemned.length - 1; target >= 0; target--) {
    const pod = condemned[target];
    if (isTerminating(pod)) {
      if (monotonic) return status;
      continue;
    }
    if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthy) return status;
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete') await setClaimsOwnedByPod(deps, set, pod);
    await deleteStatefulPod(deps, set, pod);
    if (monotonic) return status;
  }

  // Step 3: roll the update revision out.
  if (updateStrategyOf(set) === 'OnDelete') return status;
  await rollOut(deps, set, replicas, revisions, minReady, now);
  return status;
}

/**
 * RollingUpdate: from the highest ordinal down to the partition, delete pods not at the
 * update revision (they come back from it on the next pass), keeping at most maxUnavailable
 * of the replicas unavailable.
 * Worked example: replicas 5, partition 2, maxUnavailable 1, web-4 already updated but not
 * yet ready → 1 unavailable → nothing deleted; once ready, web-3 goes next; web-0 and
 * web-1 are never touched.
 */
async function rollOut(
  deps: UpdateDeps,
  set: StatefulSet,
  replicas: readonly (Pod | undefined)[],
  revisions: Revisions,
  minReady: number,
  now: Date,
): Promise<void> {
  const updateName = revisions.update.metadata?.name;
  const updateMin = Math.min(partitionOf(set), replicas.length);
  const unavailable = replicas.filter((pod) => pod === undefined || !isHealthy(pod, minReady, now)).length;
  const toDelete: Pod[] = [];
  for (let target = replicas.length - 1; target >= updateMin; target--) {
    const pod = replicas[target];
    if (pod !== undefined && revisionOf(pod) !== updateName && !isTerminating(pod)) toDelete.push(pod);
  }
  const budget = maxUnavailableOf(set) - unavailable;
  for (const pod of toDelete.slice(0, Math.max(0, budget))) await deleteStatefulPod(deps, set, pod);
}
