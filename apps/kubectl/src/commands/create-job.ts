/**
 * The objects `kubectl create job` and `kubectl create cronjob` build, as upstream builds
 * them: the container is named after the object, the words after NAME (or after `--`) are
 * its command, a Job's pods never restart and a CronJob's restart OnFailure by default.
 * `create job NAME --from=cronjob/X` copies the CronJob's jobTemplate, marks the Job
 * `cronjob.kubernetes.io/instantiate: manual` and makes the CronJob its controller.
 */
import type { CronJob, Job } from '@skiff/api';
import { CliError } from '../errors.ts';

export const INSTANTIATE_ANNOTATION = 'cronjob.kubernetes.io/instantiate';

export interface JobOptions {
  name: string;
  image: string;
  /** The words after NAME; empty: the image's own entrypoint. */
  command: string[];
  /** Set when -n was given (kubectl's EnforceNamespace). */
  namespace?: string;
}

function container(opts: JobOptions): Record<string, unknown> {
  return { name: opts.name, image: opts.image, ...(opts.command.length ? { command: opts.command } : {}) };
}

function metadata(name: string, namespace: string | undefined): { name: string; namespace?: string } {
  return namespace ? { name, namespace } : { name };
}

export function jobFromImage(opts: JobOptions): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(opts.name, opts.namespace),
    spec: { template: { spec: { containers: [container(opts) as never], restartPolicy: 'Never' } } },
  };
}

export function cronJobFromImage(opts: JobOptions & { schedule: string; restart?: string }): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(opts.name, opts.namespace),
    spec: {
      schedule: opts.schedule,
      jobTemplate: {
        metadata: { name: opts.name },
        spec: { template: { spec: { containers: [container(opts) as never], restartPolicy: opts.restart ?? 'OnFailure' } } },
      },
    },
  };
}

export function jobFromCronJob(name: string, cronJob: CronJob, namespace: string | undefined): Job {
  const template = cronJob.spec?.jobTemplate;
  const uid = cronJob.metadata?.uid;
  if (!uid) throw new CliError(`cronjob "${cronJob.metadata?.name ?? ''}" has no uid: read it from the server`);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      ...metadata(name, namespace),
      annotations: { [INSTANTIATE_ANNOTATION]: 'manual', ...template?.metadata?.annotations },
      ...(template?.metadata?.labels ? { labels: { ...template.metadata.labels } } : {}),
      // Not blockOwnerDeletion, as kubectl: that would need rights on cronjobs/finalizers.
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata?.name ?? '', uid, controller: true }],
    },
    spec: structuredClone(template?.spec ?? { template: {} }),
  };
}
