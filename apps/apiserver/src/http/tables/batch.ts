/** Jobs and CronJobs as kubectl prints them (printJob, printCronJob). */
import { formatAge, humanDuration } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import { ageColumn, column, containerCells, field, formatLabelSelector, int, list, orNone, str, type TablePrinter } from './table.ts';
import { wideColumns } from './workloads.ts';

function hasCondition(job: KubeObject, type: string): boolean {
  return list(job, 'status', 'conditions').some((c) => c.type === type && c.status === 'True');
}

/** What the Job came to: a terminal condition first, then deletion, then the conditions on the way. */
export function jobStatus(job: KubeObject): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** '1/3'; a work queue (parallelism without completions) finishes on its first success: '0/1 of 4'. */
export function jobCompletions(job: KubeObject): string {
  const succeeded = int(job, 'status', 'succeeded');
  const completions = field(job, 'spec', 'completions');
  if (typeof completions === 'number') return `${succeeded}/${completions}`;
  const parallelism = int(job, 'spec', 'parallelism');
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** From the start to completion, or to now while the Job runs; empty before it starts. */
export function jobDuration(job: KubeObject, now: number): string {
  const start = Date.parse(str(job, 'status', 'startTime'));
  if (Number.isNaN(start)) return '';
  const completion = Date.parse(str(job, 'status', 'completionTime'));
  return humanDuration((Number.isNaN(completion) ? now : completion) - start);
}

export const jobPrinter: TablePrinter = {
  columns: [
    column('Status', 'Status of the job.'),
    column(
      'Completions',
      'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.',
    ),
    column('Duration', 'Time required to complete the job.'),
    ageColumn,
    ...wideColumns,
  ],
  cells: (job, now) => [
    jobStatus(job),
    jobCompletions(job),
    jobDuration(job, now),
    formatAge(job.metadata.creationTimestamp, now),
    ...containerCells(field(job, 'spec', 'template', 'spec')),
    formatLabelSelector(field(job, 'spec', 'selector')),
  ],
};

export const cronJobPrinter: TablePrinter = {
  columns: [
    column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column(
      'Timezone',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
    ),
    column('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.', {
      type: 'boolean',
    }),
    column('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn,
    ...wideColumns,
  ],
  cells: (cj, now) => {
    const suspend = field(cj, 'spec', 'suspend');
    const lastSchedule = str(cj, 'status', 'lastScheduleTime');
    const jobSpec = field(cj, 'spec', 'jobTemplate', 'spec');
    return [
      str(cj, 'spec', 'schedule'),
      orNone(str(cj, 'spec', 'timeZone')),
      typeof suspend === 'boolean' ? (suspend ? 'True' : 'False') : '<unset>',
      list(cj, 'status', 'active').length,
      lastSchedule ? formatAge(lastSchedule, now) : '<none>',
      formatAge(cj.metadata.creationTimestamp, now),
      ...containerCells(field(jobSpec, 'template', 'spec')),
      formatLabelSelector(field(jobSpec, 'selector')),
    ];
  },
};
