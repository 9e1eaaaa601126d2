/**
 * Counting finished pods exactly once (upstream's job tracking with finalizers, KEP-2307).
 * Every Job pod carries JOB_TRACKING_FINALIZER, so it cannot vanish before it is counted.
 * A finished pod is counted in three steps, each durable before the next:
 *   1. its uid goes into status.uncountedTerminatedPods (status write);
 *   2. its finalizer is removed (pod patch) — now it may go away;
 *   3. its uid moves from uncountedTerminatedPods into status.succeeded/failed (status write).
 * A crash between steps repeats at most the step that was cut short; a uid already in
 * uncountedTerminatedPods is never added twice, and a pod whose finalizer removal is in
 * flight (the cache may still show it) is skipped until its update or deletion is observed.
 */
import type { Job, JobStatus, Pod } from '@skiff/api';
import { isNotFound, objectKey, type KubeObject, type RestClient } from '@skiff/client';
import { getControllerOf } from '../common/controller-ref.ts';
import { isPodActive } from '../common/pod-readiness.ts';
import { podsResource } from '../common/pod-control.ts';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';
import type { FinishTarget, JobSyncDeps } from './sync.ts';
import {
  formatIndexes,
  formatTime,
  hasTrackingFinalizer,
  isPodFailed,
  JOB_TRACKING_FINALIZER,
  jobsResource,
  MAX_UNCOUNTED_PODS,
  parseIndexes,
  podCompletionIndex,
  setCondition,
  type JobParams,
} from './util.ts';

/** Finalizer removals sent and not yet observed, per Job key (upstream's finalizerExpectations). */
export class JobTracking {
  readonly #pending = new Map<string, Set<string>>();

  expectRemoval(jobKey: string, uid: string): void {
    let uids = this.#pending.get(jobKey);
    if (!uids) this.#pending.set(jobKey, (uids = new Set()));
    uids.add(uid);
  }

  removalPending(jobKey: string, uid: string): boolean {
    return this.#pending.get(jobKey)?.has(uid) ?? false;
  }

  /** The pod was seen without the finalizer, or deleted: nothing is in flight for it any more. */
  observed(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'Job') return;
    const jobKey = `${pod.metadata?.namespace}/${ref.name}`;
    const uids = this.#pending.get(jobKey);
    uids?.delete(pod.metadata?.uid ?? '');
    if (uids?.size === 0) this.#pending.delete(jobKey);
  }

  /** The removal failed: the next sync tries again. */
  removalFailed(jobKey: string, uid: string): void {
    this.#pending.get(jobKey)?.delete(uid);
  }

  forget(jobKey: string): void {
    this.#pending.delete(jobKey);
  }
}

export interface PodCounts {
  active: Pod[];
  /** Being deleted and not yet terminal. */
  terminating: number;
  /** Finished, holding the finalizer, not counted yet. */
  newSucceeded: Pod[];
  newFailed: Pod[];
  /** Failed pods the pod failure policy ignores: their finalizer goes, nothing is counted. */
  ignored: Pod[];
  /** Totals including uncounted and new pods. */
  succeeded: number;
  failed: number;
  succeededIndexes: Set<number>;
}

export function countPods(tracking: JobTracking, key: string, job: Job, pods: readonly Pod[], params: JobParams): PodCounts {
  const uncounted = job.status?.uncountedTerminatedPods;
  const known = new Set([...(uncounted?.succeeded ?? []), ...(uncounted?.failed ?? [])]);
  const counts: PodCounts = {
    active: [],
    terminating: 0,
    newSucceeded: [],
    newFailed: [],
    ignored: [],
    succeeded: 0,
    failed: 0,
    succeededIndexes: new Set(parseIndexes(job.status?.completedIndexes)),
  };
  let budget = MAX_UNCOUNTED_PODS - known.size;
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (isPodActive(pod)) counts.active.push(pod);
    else if (pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') counts.terminating++;
    const uid = pod.metadata?.uid ?? '';
    if (!hasTrackingFinalizer(pod) || known.has(uid) || tracking.removalPending(key, uid) || budget <= 0) continue;
    if (phase === 'Succeeded') {
      counts.newSucceeded.push(pod);
      budget--;
      const index = podCompletionIndex(pod);
      if (params.indexed && index !== undefined && index < (params.completions ?? 0)) counts.succeededIndexes.add(index);
    } else if (isPodFailed(pod)) {
      if (phase === 'Failed' && matchPodFailurePolicy(job, pod)?.action === 'Ignore') counts.ignored.push(pod);
      else counts.newFailed.push(pod);
      budget--;
    }
  }
  counts.succeeded = (job.status?.succeeded ?? 0) + (uncounted?.succeeded?.length ?? 0) + counts.newSucceeded.length;
  counts.failed = (job.status?.failed ?? 0) + (uncounted?.failed?.length ?? 0) + counts.newFailed.length;
  return counts;
}

export interface TrackingPlan {
  /** The status the sync computed (conditions, active, ready, terminating, startTime). */
  status: JobStatus;
  counts: PodCounts;
  target: FinishTarget | undefined;
  now: Date;
}

/**
 * Writes the status and counts finished pods (the three steps above). Without a plan (a
 * finished Job), only removes finalizers left on its pods. Once a finish target is set and
 * every pod is counted and gone from running, adds the terminal condition.
 */
export async function flushTracking(deps: JobSyncDeps, job: Job, key: string, pods: readonly Pod[], plan: TrackingPlan | undefined): Promise<void> {
  if (!plan) {
    await removeFinalizers(deps, key, pods.filter(hasTrackingFinalizer));
    return;
  }
  const { status, counts } = plan;
  const indexed = job.spec?.completionMode === 'Indexed';
  const uncounted = {
    succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? []), ...counts.newSucceeded.map(uidOf)],
    failed: [...(status.uncountedTerminatedPods?.failed ?? []), ...counts.newFailed.map(uidOf)],
  };
  status.uncountedTerminatedPods = uncounted;
  if (indexed) status.completedIndexes = formatIndexes(counts.succeededIndexes);
  const current = await writeStatus(deps, job, status);

  // Step 2: remove the finalizers of every counted pod (and of ignored failures).
  const toCount = new Set([...uncounted.succeeded, ...uncounted.failed]);
  const holding = pods.filter((pod) => hasTrackingFinalizer(pod) && (toCount.has(uidOf(pod)) || counts.ignored.includes(pod)));
  const { released, error } = await removeFinalizers(deps, key, holding);
  const stillHeld = new Set(holding.map(uidOf).filter((uid) => !released.has(uid)));

  // Step 3: what no longer holds a finalizer is counted for good.
  const next = structuredClone(current.status ?? {});
  const movedSucceeded = uncounted.succeeded.filter((uid) => !stillHeld.has(uid));
  const movedFailed = uncounted.failed.filter((uid) => !stillHeld.has(uid));
  next.succeeded = indexed ? counts.succeededIndexes.size : (next.succeeded ?? 0) + movedSucceeded.length;
  next.failed = (next.failed ?? 0) + movedFailed.length;
  next.uncountedTerminatedPods = {
    succeeded: uncounted.succeeded.filter((uid) => stillHeld.has(uid)),
    failed: uncounted.failed.filter((uid) => stillHeld.has(uid)),
  };
  const allCounted = next.uncountedTerminatedPods.succeeded!.length === 0 && next.uncountedTerminatedPods.failed!.length === 0;
  if (plan.target && allCounted && status.active === 0 && status.terminating === 0) finish(deps, current, next, plan.target, plan.now);
  await writeStatus(deps, current, next);
  if (error !== undefined) throw error;
}

/** Complete or Failed, with the target's reason and message. */
function finish(deps: JobSyncDeps, job: Job, status: JobStatus, target: FinishTarget, now: Date): void {
  if (target.type === 'SuccessCriteriaMet') {
    setCondition(status, 'Complete', 'True', target.reason, target.message, now);
    status.completionTime = formatTime(now);
    deps.recorder.event(job, 'Normal', 'Completed', 'Job completed');
  } else {
    setCondition(status, 'Failed', 'True', target.reason, target.message, now);
    deps.recorder.event(job, 'Warning', target.reason, target.message);
  }
}

/** PUT of the status when it changed; a conflict throws (the runner retries on a fresh cache: counting must not run twice). */
async function writeStatus(deps: JobSyncDeps, job: Job, status: JobStatus): Promise<Job> {
  if (JSON.stringify(normalise(job.status)) === JSON.stringify(normalise(status))) return job;
  return deps.client.update<Job>(jobsResource, { ...job, status }, { subresource: 'status' });
}

/** Empty uncounted lists are the same as none. */
function normalise(status: JobStatus | undefined): JobStatus {
  const out = { ...(status ?? {}) };
  const u = out.uncountedTerminatedPods;
  if (u && !u.succeeded?.length && !u.failed?.length) delete out.uncountedTerminatedPods;
  return out;
}

async function removeFinalizers(deps: JobSyncDeps, key: string, pods: readonly Pod[]): Promise<{ released: Set<string>; error?: unknown }> {
  const released = new Set<string>();
  let error: unknown;
  await Promise.all(
    pods.map(async (pod) => {
      const uid = uidOf(pod);
      deps.tracking.expectRemoval(key, uid);
      try {
        await removeTrackingFinalizer(deps.client, pod);
        released.add(uid);
      } catch (err) {
        deps.tracking.removalFailed(key, uid);
        deps.logger?.warn({ err, pod: objectKey(pod) }, 'removing the job tracking finalizer failed');
        error ??= err;
      }
    }),
  );
  return { released, error };
}

/** Strategic merge's list directive: only our finalizer goes, whatever else the pod holds. A pod already gone is fine. */
export async function removeTrackingFinalizer(client: Pick<RestClient, 'patch'>, pod: Pod): Promise<void> {
  try {
    await client.patch<KubeObject>(podsResource, pod.metadata?.namespace, pod.metadata?.name ?? '', 'strategic', {
      metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

function uidOf(pod: Pod): string {
  return pod.metadata?.uid ?? '';
}
