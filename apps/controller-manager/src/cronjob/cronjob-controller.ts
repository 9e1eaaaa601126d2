import type { CronJob, Job } from '@skiff/api';
import { enqueueObject, objectKey, resolveControllerRef, watch, type EventMapper } from '@skiff/client';
import { keyedController, type Controller } from '../controller.ts';
import { jobsResource } from '../job/util.ts';
import { cronJobsResource, syncCronJob, type CronJobSyncDeps } from './sync.ts';

/** A Job's events queue the CronJob that controls it (same UID); Jobs of no CronJob concern nobody here. */
export function jobEventsToCronJob(cronJobs: CronJobSyncDeps['cronJobLister']): EventMapper<Job> {
  const ownerKey = (job: Job) => {
    const owner = resolveControllerRef<CronJob>(job, 'CronJob', cronJobs);
    return owner ? objectKey(owner) : undefined;
  };
  return {
    add: ownerKey,
    update: (old, job) => (old.metadata?.resourceVersion === job.metadata?.resourceVersion ? undefined : ownerKey(job)),
    delete: ownerKey,
  };
}

/**
 * The cronjob controller (kube's cronjob_controllerv2): CronJobs' own events and their Jobs'
 * events queue the CronJob; each sync answers a requeue for just after its next activation.
 */
export function newCronJobController(): Controller {
  return keyedController('cronjob', 5, (ctx) => {
    const cronJobs = ctx.informers.informerFor<CronJob>(cronJobsResource);
    const jobs = ctx.informers.informerFor<Job>(jobsResource);
    const deps: CronJobSyncDeps = {
      client: ctx.client,
      cronJobLister: cronJobs,
      jobLister: jobs,
      recorder: ctx.recorder,
      now: () => new Date(),
      logger: ctx.logger,
    };
    return {
      watches: [watch(cronJobs, enqueueObject<CronJob>()), watch(jobs, jobEventsToCronJob(cronJobs))],
      sync: (key) => syncCronJob(deps, key),
    };
  });
}
