import { fromLabelSelector, type Job, type JobStatus, type Pod } from '@skiff/api';
import { objectKey, OWNER_UID_INDEX, splitKey, TerminalError, type EventRecorder, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import type { ControllerExpectations } from '../common/expectations.ts';
import { deletePod, podsResource } from '../common/pod-control.ts';
import { isPodReady } from '../common/pod-readiness.ts';
import { claimOwned } from '../common/workload-helpers.ts';
import { ORPHAN_POD_INDEX, type Lister } from '../replicaset/sync.ts';
import { slowStartBatch } from '../replicaset/util.ts';
import { buildJobPod, jobGvk } from './job-pods.ts';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';
import { countPods, flushTracking, type JobTracking, type PodCounts } from './tracking.ts';
import {
  findCondition,
  formatTime,
  hasTrueCondition,
  isJobFinished,
  jobParams,
  jobsResource,
  MESSAGE_BACKOFF_LIMIT,
  MESSAGE_COMPLETIONS_REACHED,
  MESSAGE_DEADLINE,
  podBackoffMs,
  podCompletionIndex,
  REASON_BACKOFF_LIMIT,
  REASON_COMPLETIONS_REACHED,
  REASON_DEADLINE,
  REASON_POD_FAILURE_POLICY,
  restartsOnFailure,
  setCondition,
  type JobParams,
} from './util.ts';

/** The spec.managedBy value (or its absence) that makes a Job ours. */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';
/** Pods created or deleted per sync at most (upstream's MaxPodCreateDeletePerSync). */
const MAX_POD_CHANGES_PER_SYNC = 500;

/** Failures since the last success and when the last one happened, per Job (upstream's backoffRecord). */
export interface BackoffRecord {
  failures: number;
  lastFailure: number;
}

export interface JobSyncDeps {
  client: Pick<RestClient, 'create' | 'delete' | 'patch' | 'update' | 'get'>;
  jobLister: Lister<Job>;
  /** Indexed by OWNER_UID_INDEX and ORPHAN_POD_INDEX. */
  podLister: Lister<Pod>;
  recorder: Pick<EventRecorder, 'event'>;
  expectations: ControllerExpectations;
  tracking: JobTracking;
  backoff: Map<string, BackoffRecord>;
  now: () => Date;
  logger?: Logger;
}

/**
 * kube's syncJob. A finished Job only has its pods' finalizers removed. Otherwise: claim
 * the pods, count the newly finished ones, decide whether the Job has met its success
 * criteria or a failure target (backoff limit, deadline, pod failure policy), then either
 * delete every active pod (finishing or suspended) or create/delete toward parallelism,
 * and finally write the status, counting finished pods through uncountedTerminatedPods.
 */
export async function syncJob(deps: JobSyncDeps, key: string): Promise<SyncResult> {
  const { namespace, name } = splitKey(key);
  const cached = deps.jobLister.get(namespace, name);
  if (!cached) {
    deps.expectations.delete(key);
    deps.backoff.delete(key);
    deps.tracking.forget(key);
    return;
  }
  // spec.managedBy names another controller (MultiKueue and the like): the Job is theirs.
  if (cached.spec?.managedBy !== undefined && cached.spec.managedBy !== JOB_CONTROLLER_NAME) return;
  const job = structuredClone(cached);
  const pods = await claimJobPods(deps, job);
  if (isJobFinished(job)) {
    await flushTracking(deps, job, key, pods, undefined);
    return;
  }
  const now = deps.now();
  const params = jobParams(job);
  const needsSync = deps.expectations.satisfied(key);
  const counts = countPods(deps.tracking, key, job, pods, params);
  recordFailures(deps, key, counts.newFailed.length, counts.newSucceeded.length, now);

  const status: JobStatus = structuredClone(job.status ?? {});
  const suspended = job.spec?.suspend === true;
  if (!suspended && !status.startTime) status.startTime = formatTime(now);
  const failJob = counts.newFailed
    .map((pod) => (pod.status?.phase === 'Failed' ? matchPodFailurePolicy(job, pod) : undefined))
    .find((m) => m?.action === 'FailJob');
  const target = finishTarget(job, status, params, counts, failJob?.message, now);

  let active = counts.active;
  let terminating = counts.terminating;
  let manageError: unknown;
  let requeueAfter: number | undefined;
  try {
    if (target) {
      setCondition(status, target.type, 'True', target.reason, target.message, now);
      terminating += active.length; // what we delete now is terminating until its kubelet is done
      await deleteActivePods(deps, job, key, active);
      active = [];
    } else if (suspended) {
      terminating += active.length;
      await deleteActivePods(deps, job, key, active);
      active = [];
      if (setCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) {
        deps.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
      }
    } else {
      if (hasTrueCondition(status, 'Suspended')) {
        setCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
        status.startTime = formatTime(now); // the deadline counts from the resumption
        deps.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
      }
      if (needsSync) {
        const managed = await manageJob(deps, job, key, params, active, counts, now);
        active = managed.active;
        requeueAfter = managed.requeueAfter;
      }
      requeueAfter = minDefined(requeueAfter, deadlineRemainingMs(job, status, now));
    }
  } catch (err) {
    manageError = err;
  }
  status.active = active.length;
  status.ready = active.filter(isPodReady).length;
  status.terminating = terminating;
  await flushTracking(deps, job, key, pods, { status, counts, target, now });
  if (manageError !== undefined) throw manageError;
  return requeueAfter === undefined ? undefined : { requeueAfter };
}

export interface FinishTarget {
  /** FailureTarget or SuccessCriteriaMet: the terminal condition follows once no pod is left running. */
  type: 'FailureTarget' | 'SuccessCriteriaMet';
  reason: string;
  message: string;
}

/** Whether the Job is done, and why (a target already set wins: it was decided before). */
function finishTarget(
  job: Job,
  status: JobStatus,
  params: JobParams,
  counts: PodCounts,
  failJobMessage: string | undefined,
  now: Date,
): FinishTarget | undefined {
  for (const type of ['FailureTarget', 'SuccessCriteriaMet'] as const) {
    const c = findCondition(status, type);
    if (c?.status === 'True') return { type, reason: c.reason ?? '', message: c.message ?? '' };
  }
  if (failJobMessage) return { type: 'FailureTarget', reason: REASON_POD_FAILURE_POLICY, message: failJobMessage };
  if (counts.failed > params.backoffLimit || pastBackoffLimitOnFailure(job, counts.active, params.backoffLimit)) {
    return { type: 'FailureTarget', reason: REASON_BACKOFF_LIMIT, message: MESSAGE_BACKOFF_LIMIT };
  }
  const remaining = deadlineRemainingMs(job, status, now);
  if (remaining !== undefined && remaining <= 0 && job.spec?.suspend !== true) {
    return { type: 'FailureTarget', reason: REASON_DEADLINE, message: MESSAGE_DEADLINE };
  }
  if (succeededEnough(params, counts)) {
    return { type: 'SuccessCriteriaMet', reason: REASON_COMPLETIONS_REACHED, message: MESSAGE_COMPLETIONS_REACHED };
  }
  return undefined;
}

/** restartPolicy OnFailure: the kubelet restarts failed containers, so their restarts are the failures. */
function pastBackoffLimitOnFailure(job: Job, active: Pod[], backoffLimit: number): boolean {
  const restarts = restartsOnFailure(job, active);
  return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
}

function succeededEnough(params: JobParams, counts: PodCounts): boolean {
  if (params.indexed) return params.completions !== undefined && counts.succeededIndexes.size >= params.completions;
  if (params.completions !== undefined) return counts.succeeded >= params.completions;
  // A work-queue Job is done once one pod succeeded and none is left running.
  return counts.succeeded > 0 && counts.active.length === 0;
}

/** Milliseconds until activeDeadlineSeconds runs out (negative: past), or undefined without one. */
function deadlineRemainingMs(job: Job, status: JobStatus, now: Date): number | undefined {
  const seconds = job.spec?.activeDeadlineSeconds;
  if (seconds === undefined || !status.startTime) return undefined;
  return Date.parse(status.startTime) + seconds * 1000 - now.getTime();
}

function recordFailures(deps: JobSyncDeps, key: string, failed: number, succeeded: number, now: Date): void {
  if (succeeded > 0) deps.backoff.delete(key);
  if (failed === 0) return;
  const record = deps.backoff.get(key) ?? { failures: 0, lastFailure: 0 };
  deps.backoff.set(key, { failures: record.failures + failed, lastFailure: now.getTime() });
}

/**
 * Creates or deletes toward the wanted number of active pods: parallelism, no more than
 * the completions still missing. Creation waits out the pod-failure back-off.
 */
async function manageJob(
  deps: JobSyncDeps,
  job: Job,
  key: string,
  params: JobParams,
  active: Pod[],
  counts: PodCounts,
  now: Date,
): Promise<{ active: Pod[]; requeueAfter?: number }> {
  const { succeeded, succeededIndexes } = counts;
  let want = params.parallelism;
  if (params.indexed) want = Math.min(want, (params.completions ?? 0) - succeededIndexes.size);
  else if (params.completions !== undefined) want = Math.min(want, params.completions - succeeded);
  else if (succeeded > 0) want = Math.min(want, active.length);
  want = Math.max(0, want);

  const duplicates = params.indexed ? indexDuplicates(active, succeededIndexes, params.completions ?? 0) : [];
  if (active.length - duplicates.length > want || duplicates.length > 0) {
    const keep = active.filter((pod) => !duplicates.includes(pod));
    // Not-ready pods go first: they have done the least work.
    const excess = [...keep].sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b))).slice(0, Math.max(0, keep.length - want));
    const victims = [...duplicates, ...excess].slice(0, MAX_POD_CHANGES_PER_SYNC);
    await deleteActivePods(deps, job, key, victims);
    return { active: active.filter((pod) => !victims.includes(pod)) };
  }
  const missing = Math.min(want - active.length, MAX_POD_CHANGES_PER_SYNC);
  if (missing <= 0) return { active };
  const record = deps.backoff.get(key);
  const wait = record ? record.lastFailure + podBackoffMs(record.failures) - now.getTime() : 0;
  if (wait > 0) return { active, requeueAfter: wait };
  const indexes = params.indexed ? pendingIndexes(active, succeededIndexes, params.completions ?? 0).slice(0, missing) : undefined;
  const count = indexes ? indexes.length : missing;
  // Expect all of them before the first request: a watch event may beat the answer.
  deps.expectations.expectCreations(key, count);
  const created: Pod[] = [];
  let slot = 0;
  // In batches of 1, 2, 4 ...: a quota or admission refusal costs one call, not hundreds.
  const { successes, error } = await slowStartBatch(count, 1, async () => {
    const index = indexes?.[slot++];
    try {
      const pod = await deps.client.create<Pod>(podsResource, buildJobPod(job, index), { namespace: job.metadata?.namespace });
      created.push(pod);
      deps.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name}`);
    } catch (err) {
      deps.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${messageOf(err)}`);
      throw err;
    }
  });
  // Nothing will be observed for the failed and the never-attempted creations.
  for (let i = successes; i < count; i++) deps.expectations.creationObserved(key);
  if (error !== undefined) throw error;
  return { active: [...active, ...created] };
}

/** Indexes not yet succeeded and without an active pod, lowest first. */
function pendingIndexes(active: Pod[], succeeded: Set<number>, completions: number): number[] {
  const taken = new Set(active.map(podCompletionIndex));
  const out: number[] = [];
  for (let i = 0; i < completions; i++) if (!succeeded.has(i) && !taken.has(i)) out.push(i);
  return out;
}

/** Active pods of an Indexed Job that must go: a second pod of one index, an index already succeeded, or none valid. */
function indexDuplicates(active: Pod[], succeeded: Set<number>, completions: number): Pod[] {
  const seen = new Set<number>();
  return active.filter((pod) => {
    const index = podCompletionIndex(pod);
    if (index === undefined || index >= completions || succeeded.has(index) || seen.has(index)) return true;
    seen.add(index);
    return false;
  });
}

async function deleteActivePods(deps: JobSyncDeps, job: Job, key: string, victims: Pod[]): Promise<void> {
  if (victims.length === 0) return;
  deps.expectations.expectDeletions(key, victims.map(objectKey));
  const errors: unknown[] = [];
  await Promise.all(
    victims.map(async (pod) => {
      const podName = pod.metadata?.name ?? '';
      try {
        if (await deletePod(deps.client, pod.metadata?.namespace ?? '', podName)) {
          deps.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${podName}`);
        } else {
          deps.expectations.deletionObserved(key, objectKey(pod));
        }
      } catch (err) {
        deps.expectations.deletionObserved(key, objectKey(pod));
        deps.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${messageOf(err)}`);
        errors.push(err);
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
}

/** The Job's pods: those it controls plus orphans its selector matches (adopted). */
async function claimJobPods(deps: JobSyncDeps, job: Job): Promise<Pod[]> {
  const uid = job.metadata?.uid ?? '';
  const ns = job.metadata?.namespace ?? '';
  let selector: ReturnType<typeof fromLabelSelector> | undefined;
  try {
    selector = job.spec?.selector ? fromLabelSelector(job.spec.selector) : undefined;
  } catch (err) {
    throw new TerminalError(`Job ${ns}/${job.metadata?.name} has an invalid selector: ${messageOf(err)}`, { cause: err });
  }
  const owned = deps.podLister.byIndex(OWNER_UID_INDEX, uid).filter((pod) => pod.metadata?.namespace === ns);
  const orphans = selector ? deps.podLister.byIndex(ORPHAN_POD_INDEX, ns) : [];
  return claimOwned<Pod>({
    client: deps.client,
    owner: job,
    ownerResource: jobsResource,
    gvk: jobGvk,
    resource: podsResource,
    candidates: [...owned, ...orphans],
    // Without a selector (not defaulted yet) the Job keeps what it created and adopts nothing.
    matches: (pod) => (selector ? selector.matches(pod.metadata?.labels ?? {}) : true),
  });
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

export function messageOf(err: unknown): string {
  const status = (err as { status?: { message?: string } } | undefined)?.status;
  if (status?.message) return status.message;
  return err instanceof Error ? err.message : String(err);
}
