import { findResourceByKind, parseCronSchedule, type CronJob, type CronJobStatus, type CronSchedule, type Job, type ObjectReference } from '@skiff/api';
import { isAlreadyExists, isNotFound, OWNER_UID_INDEX, splitKey, type EventRecorder, type Lister, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { getControllerOf, newControllerRef, type GroupVersionKind } from '../common/controller-ref.ts';
import { formatTime, hasTrueCondition, isJobFinished, jobsResource } from '../job/util.ts';
import { formatInZone, jobNameForSlot, MAX_MISSED_START_TIMES, unmetSchedule, untilNextActivationMs } from './schedule-times.ts';

export const cronJobsResource = findResourceByKind('batch/v1', 'CronJob')!;
export const cronJobGvk: GroupVersionKind = { apiVersion: 'batch/v1', kind: 'CronJob' };
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobSyncDeps {
  client: Pick<RestClient, 'get' | 'create' | 'update' | 'delete'>;
  cronJobLister: Pick<Lister<CronJob>, 'get'>;
  /** Indexed by OWNER_UID_INDEX. */
  jobLister: { byIndex(index: string, value: string): Job[] };
  recorder: Pick<EventRecorder, 'event'>;
  now: () => Date;
  logger?: Logger;
}

/**
 * kube's CronJob controller (v2) for one key: reconcile status.active with the Jobs that
 * exist, start the most recent unmet activation if the policy allows, trim the history,
 * write the status, and come back just after the next activation.
 */
export async function syncCronJob(deps: CronJobSyncDeps, key: string): Promise<SyncResult> {
  const { namespace, name } = splitKey(key);
  const cached = deps.cronJobLister.get(namespace, name);
  if (!cached) return;
  const cj = structuredClone(cached);
  const status: CronJobStatus = structuredClone(cj.status ?? {});
  const jobs = deps.jobLister
    .byIndex(OWNER_UID_INDEX, cj.metadata?.uid ?? '')
    .filter((job) => job.metadata?.namespace === namespace && getControllerOf(job)?.uid === cj.metadata?.uid);
  await reconcileActive(deps, cj, status, jobs);

  let requeueAfter: number | undefined;
  let error: unknown;
  if (!cj.metadata?.deletionTimestamp) {
    try {
      requeueAfter = await startUnmetActivation(deps, cj, status, jobs);
    } catch (err) {
      error = err;
    }
  }
  await cleanupFinishedJobs(deps, cj, jobs, status);
  await writeStatus(deps, cj, status);
  if (error !== undefined) throw error;
  return requeueAfter === undefined ? undefined : { requeueAfter };
}

/** status.active follows the Jobs: finished ones leave it (a success moves lastSuccessfulTime), vanished ones too. */
async function reconcileActive(deps: CronJobSyncDeps, cj: CronJob, status: CronJobStatus, jobs: Job[]): Promise<void> {
  const active = new Map((status.active ?? []).map((ref) => [ref.uid ?? '', ref]));
  for (const job of jobs) {
    const uid = job.metadata?.uid ?? '';
    const finished = isJobFinished(job);
    if (active.has(uid) && finished) {
      active.delete(uid);
      const outcome = hasTrueCondition(job.status, 'Complete') ? 'Complete' : 'Failed';
      deps.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name}, condition: ${outcome}`);
    } else if (!active.has(uid) && !finished) {
      // Ours and running but not listed: created just before a crash, or the status in the
      // cache is older than the Job's event. Either way it is active.
      active.set(uid, jobRef(job));
    }
    const completed = job.status?.completionTime;
    if (
      hasTrueCondition(job.status, 'Complete') &&
      completed &&
      (!status.lastSuccessfulTime || Date.parse(completed) > Date.parse(status.lastSuccessfulTime))
    ) {
      status.lastSuccessfulTime = completed;
    }
  }
  const known = new Set(jobs.map((job) => job.metadata?.uid ?? ''));
  for (const [uid, ref] of active) {
    if (known.has(uid)) continue;
    // The cache may lag behind a Job just created: ask the server before forgetting it.
    try {
      const live = await deps.client.get<Job>(jobsResource, cj.metadata?.namespace, ref.name ?? '');
      if (live.metadata?.uid === uid) continue;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    deps.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
    active.delete(uid);
  }
  status.active = [...active.values()];
}

/** Starts the latest unmet activation if allowed; answers when to look again. */
async function startUnmetActivation(deps: CronJobSyncDeps, cj: CronJob, status: CronJobStatus, jobs: Job[]): Promise<number | undefined> {
  const spec = cj.spec!;
  let schedule: CronSchedule;
  try {
    schedule = parseCronSchedule(spec.schedule, spec.timeZone);
  } catch (err) {
    const reason = spec.timeZone && /time zone/.test((err as Error).message) ? 'UnknownTimeZone' : 'UnparseableSchedule';
    deps.recorder.event(cj, 'Warning', reason, `unparseable schedule: "${spec.schedule}" : ${(err as Error).message}`);
    return undefined; // nothing will fix it but an edit, which queues the key again
  }
  if (spec.suspend) return undefined;
  const now = deps.now();
  const next = untilNextActivationMs(schedule, now);
  const unmet = unmetSchedule(schedule, earliestTime(cj, now), now);
  if (unmet.missed > MAX_MISSED_START_TIMES) {
    deps.recorder.event(
      cj,
      'Warning',
      'TooManyMissedTimes',
      `too many missed start times: ${unmet.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
    );
  }
  const scheduledAt = unmet.mostRecent;
  if (!scheduledAt) return next;
  const deadline = spec.startingDeadlineSeconds;
  if (deadline !== undefined && scheduledAt.getTime() + deadline * 1000 < now.getTime()) {
    deps.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatTime(scheduledAt)}`);
    return next;
  }
  const jobName = jobNameForSlot(cj.metadata?.name ?? '', scheduledAt);
  if (status.active?.some((ref) => ref.name === jobName) || jobs.some((job) => job.metadata?.name === jobName)) {
    // Already started (its status write may have been lost to a restart): record it, never rerun it.
    if (!status.lastScheduleTime || Date.parse(status.lastScheduleTime) < scheduledAt.getTime()) status.lastScheduleTime = formatTime(scheduledAt);
    return next;
  }
  const policy = spec.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && (status.active?.length ?? 0) > 0) {
    deps.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return next;
  }
  if (policy === 'Replace') {
    for (const ref of status.active ?? []) await deleteJob(deps, cj, ref.name ?? '');
    status.active = [];
  }
  let created: Job;
  try {
    created = await deps.client.create<Job>(jobsResource, buildJobForSlot(cj, jobName, scheduledAt), { namespace: cj.metadata?.namespace });
    deps.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
  } catch (err) {
    if (!isAlreadyExists(err)) {
      deps.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
      throw err;
    }
    // The slot already ran (a restart, or another sync got there first): never twice.
    const existing = jobs.find((job) => job.metadata?.name === jobName);
    status.lastScheduleTime = formatTime(scheduledAt);
    if (existing && !isJobFinished(existing) && !status.active?.some((ref) => ref.uid === existing.metadata?.uid))
      status.active = [...(status.active ?? []), jobRef(existing)];
    return next;
  }
  status.active = [...(status.active ?? []), jobRef(created)];
  status.lastScheduleTime = formatTime(scheduledAt);
  return next;
}

/** From the last activation (or creation), but no further back than startingDeadlineSeconds. */
function earliestTime(cj: CronJob, now: Date): Date {
  const since = cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp;
  let earliest = since ? new Date(since) : now;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (deadline !== undefined) {
    const floor = now.getTime() - deadline * 1000;
    if (floor > earliest.getTime()) earliest = new Date(floor);
  }
  return earliest;
}

export function buildJobForSlot(cj: CronJob, name: string, scheduledAt: Date): Job {
  const template = cj.spec?.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata?.namespace,
      labels: { ...(template?.metadata?.labels ?? {}) },
      annotations: { ...(template?.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatInZone(scheduledAt, cj.spec?.timeZone) },
      ownerReferences: [newControllerRef(cj, cronJobGvk)],
    },
    spec: structuredClone(template?.spec) as Job['spec'],
  };
}

/**
 * successfulJobsHistoryLimit (default 3) and failedJobsHistoryLimit (default 1): finished
 * Jobs beyond them go, oldest start first.
 */
async function cleanupFinishedJobs(deps: CronJobSyncDeps, cj: CronJob, jobs: Job[], status: CronJobStatus): Promise<void> {
  const limits: [string, number][] = [
    ['Complete', cj.spec?.successfulJobsHistoryLimit ?? 3],
    ['Failed', cj.spec?.failedJobsHistoryLimit ?? 1],
  ];
  const active = new Set((status.active ?? []).map((ref) => ref.uid));
  for (const [type, limit] of limits) {
    const finished = jobs
      .filter((job) => hasTrueCondition(job.status, type) && !active.has(job.metadata?.uid) && !job.metadata?.deletionTimestamp)
      .sort((a, b) => startOf(a) - startOf(b));
    for (const job of finished.slice(0, Math.max(0, finished.length - limit))) await deleteJob(deps, cj, job.metadata?.name ?? '');
  }
}

function startOf(job: Job): number {
  return Date.parse(job.status?.startTime ?? job.metadata?.creationTimestamp ?? '') || 0;
}

async function deleteJob(deps: CronJobSyncDeps, cj: CronJob, name: string): Promise<void> {
  try {
    await deps.client.delete(jobsResource, cj.metadata?.namespace, name, { propagationPolicy: 'Background' });
    deps.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
  } catch (err) {
    if (isNotFound(err)) return;
    deps.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
    throw err;
  }
}

function jobRef(job: Job): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata?.name,
    namespace: job.metadata?.namespace,
    uid: job.metadata?.uid,
    resourceVersion: job.metadata?.resourceVersion,
  };
}

/** PUT of the status when it changed; a conflict throws and the runner retries on a fresher cache. */
async function writeStatus(deps: CronJobSyncDeps, cj: CronJob, status: CronJobStatus): Promise<void> {
  const same = (a: CronJobStatus | undefined, b: CronJobStatus) =>
    JSON.stringify({ ...a, active: a?.active?.length ? a.active.map((r) => r.uid) : undefined }) ===
    JSON.stringify({ ...b, active: b.active?.length ? b.active.map((r) => r.uid) : undefined });
  if (same(cj.status, status)) return;
  if (!status.active?.length) delete status.active;
  await deps.client.update<CronJob>(cronJobsResource, { ...cj, status }, { subresource: 'status' });
}
