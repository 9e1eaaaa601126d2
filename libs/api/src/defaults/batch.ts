/** Job and CronJob defaults (SetDefaults_Job, SetDefaults_CronJob in pkg/apis/batch/v1). */
import { defaultPodTemplate } from './pod.ts';

const MAX_INT32 = 2147483647;

/**
 * Neither completions nor parallelism: one pod, run once. Parallelism alone is a work queue
 * (completions stays unset); completions alone runs them one at a time.
 */
export function defaultJob(job: any): void {
  job.spec ??= {};
  const spec = job.spec;
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  // With per-index limits the global one would only get in the way.
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? MAX_INT32 : 6;
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && typeof templateLabels === 'object') {
    job.metadata ??= {};
    if (!job.metadata.labels || Object.keys(job.metadata.labels).length === 0) job.metadata.labels = { ...templateLabels };
  }
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of Array.isArray(rule?.onPodConditions) ? rule.onPodConditions : []) {
      if (pattern && typeof pattern === 'object' && !pattern.status) pattern.status = 'True';
    }
  }
  // A pod failure policy judges pods only once they have failed, so replacements must wait for that.
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  defaultPodTemplate(spec.template);
}

/** A CronJob's job template gets pod-template defaults only: SetDefaults_Job runs when the Job is created. */
export function defaultCronJob(cj: any): void {
  cj.spec ??= {};
  const spec = cj.spec;
  spec.concurrencyPolicy ||= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  defaultPodTemplate(spec.jobTemplate?.spec?.template);
}
