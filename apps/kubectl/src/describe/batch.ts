/** Describers for batch/v1 Job and CronJob, in kubectl's layout. */
import { humanDuration } from '@skiff/api';
import { controllerOf, formatSelector, formatTime, LAST_APPLIED, type Lines, type Obj } from './lines.ts';
import { describePodTemplate } from './pod-template.ts';

export function describeJob(w: Lines, o: Obj): void {
  const spec = o.spec ?? {};
  const s = o.status ?? {};
  w.field(0, 'Name', o.metadata?.name).field(0, 'Namespace', o.metadata?.namespace);
  w.field(0, 'Selector', formatSelector(spec.selector));
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  const owner = controllerOf(o);
  if (owner) w.field(0, 'Controlled By', owner);
  if (spec.parallelism !== undefined) w.field(0, 'Parallelism', spec.parallelism);
  w.field(0, 'Completions', spec.completions ?? '<unset>');
  if (spec.completionMode) w.field(0, 'Completion Mode', spec.completionMode);
  if (spec.suspend !== undefined) w.field(0, 'Suspend', String(spec.suspend));
  if (spec.backoffLimit !== undefined) w.field(0, 'Backoff Limit', spec.backoffLimit);
  if (spec.ttlSecondsAfterFinished !== undefined) w.field(0, 'TTL Seconds After Finished', spec.ttlSecondsAfterFinished);
  if (s.startTime) w.field(0, 'Start Time', formatTime(s.startTime));
  if (s.completionTime) w.field(0, 'Completed At', formatTime(s.completionTime));
  if (s.startTime && s.completionTime) w.field(0, 'Duration', humanDuration(Date.parse(s.completionTime) - Date.parse(s.startTime)));
  if (spec.activeDeadlineSeconds !== undefined) w.field(0, 'Active Deadline Seconds', `${spec.activeDeadlineSeconds}s`);
  const active = s.ready === undefined ? `${s.active ?? 0} Active` : `${s.active ?? 0} Active (${s.ready} Ready)`;
  w.field(0, 'Pods Statuses', `${active} / ${s.succeeded ?? 0} Succeeded / ${s.failed ?? 0} Failed`);
  if (spec.completionMode === 'Indexed') w.field(0, 'Completed Indexes', s.completedIndexes);
  describePodTemplate(w, spec.template);
}

function describeJobTemplate(w: Lines, template: Obj | undefined): void {
  const spec = template?.spec ?? {};
  w.field(0, 'Selector', spec.selector ? formatSelector(spec.selector) : '<unset>');
  w.field(0, 'Parallelism', spec.parallelism ?? '<unset>');
  w.field(0, 'Completions', spec.completions ?? '<unset>');
  if (spec.activeDeadlineSeconds !== undefined) w.field(0, 'Active Deadline Seconds', `${spec.activeDeadlineSeconds}s`);
  describePodTemplate(w, spec.template);
}

export function describeCronJob(w: Lines, o: Obj): void {
  const spec = o.spec ?? {};
  w.field(0, 'Name', o.metadata?.name).field(0, 'Namespace', o.metadata?.namespace);
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  w.field(0, 'Schedule', spec.schedule);
  if (spec.timeZone) w.field(0, 'Time Zone', spec.timeZone);
  w.field(0, 'Concurrency Policy', spec.concurrencyPolicy);
  w.field(0, 'Suspend', spec.suspend === undefined ? '<unset>' : String(spec.suspend));
  w.field(0, 'Successful Job History Limit', spec.successfulJobsHistoryLimit ?? '<unset>');
  w.field(0, 'Failed Job History Limit', spec.failedJobsHistoryLimit ?? '<unset>');
  w.field(0, 'Starting Deadline Seconds', spec.startingDeadlineSeconds === undefined ? '<unset>' : `${spec.startingDeadlineSeconds}s`);
  describeJobTemplate(w, spec.jobTemplate);
  w.field(0, 'Last Schedule Time', o.status?.lastScheduleTime ? formatTime(o.status.lastScheduleTime) : '<unset>');
  w.field(0, 'Active Jobs', ((o.status?.active ?? []) as Obj[]).map((j) => j.name).join(', '));
}
