/**
 * Pure helpers of the job controller (kube's pkg/controller/job utils): the spec's
 * effective values, conditions, completed-index sets, the pod-failure back-off and how a
 * finished pod counts.
 */
import { findResourceByKind, type Job, type JobCondition, type JobStatus, type Pod } from '@skiff/api';

export const jobsResource = findResourceByKind('batch/v1', 'Job')!;

/** Pods carry it from creation until the controller has counted them into the Job's status. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Annotation and label of an Indexed Job's pod: its completion index. */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** Upstream's pod-failure back-off: 10 s, doubling per failure since the last success, capped at 6 min. */
export const DEFAULT_JOB_BACKOFF_MS = 10_000;
export const MAX_JOB_BACKOFF_MS = 360_000;
/** At most this many finished pods are moved into uncountedTerminatedPods per sync (upstream: 500). */
export const MAX_UNCOUNTED_PODS = 500;

export const REASON_BACKOFF_LIMIT = 'BackoffLimitExceeded';
export const MESSAGE_BACKOFF_LIMIT = 'Job has reached the specified backoff limit';
export const REASON_DEADLINE = 'DeadlineExceeded';
export const MESSAGE_DEADLINE = 'Job was active longer than specified deadline';
export const REASON_POD_FAILURE_POLICY = 'PodFailurePolicy';
export const REASON_COMPLETIONS_REACHED = 'CompletionsReached';
export const MESSAGE_COMPLETIONS_REACHED = 'Reached expected number of succeeded pods';

export interface JobParams {
  parallelism: number;
  /** Undefined: a work-queue Job, done once any pod succeeded and none is active. */
  completions: number | undefined;
  backoffLimit: number;
  indexed: boolean;
}

/**
 * The spec with upstream's defaults for what is absent (the apiserver defaults them, but
 * a Job written before that landed may lack them): parallelism 1; completions 1 when both
 * are absent, none (work queue) when only parallelism is set; backoffLimit 6.
 */
export function jobParams(job: Job): JobParams {
  const spec = job.spec;
  const parallelism = spec?.parallelism ?? 1;
  const completions = spec?.completions ?? (spec?.parallelism === undefined ? 1 : undefined);
  return { parallelism, completions, backoffLimit: spec?.backoffLimit ?? 6, indexed: spec?.completionMode === 'Indexed' };
}

export function findCondition(status: JobStatus | undefined, type: string): JobCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function hasTrueCondition(status: JobStatus | undefined, type: string): boolean {
  return findCondition(status, type)?.status === 'True';
}

/** Complete or Failed: the Job is done for good. */
export function isJobFinished(job: Job): boolean {
  return hasTrueCondition(job.status, 'Complete') || hasTrueCondition(job.status, 'Failed');
}

/** When the Job finished (its Complete or Failed condition's transition), if it did. */
export function jobFinishTime(job: Job): Date | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const at = new Date(c.lastTransitionTime ?? job.status?.completionTime ?? '');
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * Sets a condition in `status` (mutated). Same status as before: only reason and message
 * move, the transition time stays. Answers whether anything changed.
 */
export function setCondition(status: JobStatus, type: string, value: 'True' | 'False', reason: string, message: string, now: Date): boolean {
  const conditions = (status.conditions ??= []);
  const at = formatTime(now);
  const existing = conditions.find((c) => c.type === type);
  if (!existing) {
    conditions.push({ type, status: value, reason, message, lastProbeTime: at, lastTransitionTime: at });
    return true;
  }
  if (existing.status === value && existing.reason === reason && existing.message === message) return false;
  if (existing.status !== value) existing.lastTransitionTime = at;
  Object.assign(existing, { status: value, reason, message, lastProbeTime: at });
  return true;
}

/** RFC 3339 with seconds, as metav1.Time serialises. */
export function formatTime(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "1,3-5,7" → [1, 3, 4, 5, 7]; bad pieces are skipped. */
export function parseIndexes(text: string | undefined): number[] {
  const out = new Set<number>();
  for (const piece of (text ?? '').split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(piece);
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** [1, 3, 4, 5, 7] → "1,3-5,7" (the API's interval form). */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** An Indexed Job pod's completion index (annotation first, then label), if valid. */
export function podCompletionIndex(pod: Pod): number | undefined {
  const text = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX] ?? pod.metadata?.labels?.[JOB_COMPLETION_INDEX];
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * How long a new pod must wait after `failures` consecutive failures (since the last
 * success): 0, then 10 s, 20 s, 40 s ... capped at 6 min. E.g. 3 failures → 40 s.
 */
export function podBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(MAX_JOB_BACKOFF_MS, DEFAULT_JOB_BACKOFF_MS * 2 ** Math.min(failures - 1, 16));
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

/**
 * Upstream's isPodFailed: phase Failed, or being deleted without having succeeded (an
 * orphaned or evicted pod may never reach Failed).
 */
export function isPodFailed(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Failed' || (Boolean(pod.metadata?.deletionTimestamp) && phase !== 'Succeeded');
}

/** Container restarts of active pods with restartPolicy OnFailure count toward backoffLimit (upstream's pastBackoffLimitOnFailure). */
export function restartsOnFailure(job: Job, activePods: readonly Pod[]): number {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return 0;
  let restarts = 0;
  for (const pod of activePods) {
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  return restarts;
}
