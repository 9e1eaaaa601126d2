/**
 * The ttl-after-finished controller (kube's pkg/controller/ttlafterfinished): a finished Job
 * (Complete or Failed) with spec.ttlSecondsAfterFinished is deleted that long after it
 * finished, in the foreground so its pods go first. Before deleting, the live object is read
 * again: its TTL may have been raised or the Job replaced since the cache saw it.
 */
import type { Job } from '@skiff/api';
import { enqueueObject, isNotFound, splitKey, watch, type EventMapper, type Lister, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { keyedController, type Controller } from '../controller.ts';
import { isJobFinished, jobFinishTime, jobsResource } from '../job/util.ts';

export interface TtlDeps {
  client: Pick<RestClient, 'get' | 'delete'>;
  jobLister: Pick<Lister<Job>, 'get'>;
  now: () => Date;
  logger?: Logger;
}

/** A Job the controller must look after: it has a TTL and has finished. */
export function needsCleanup(job: Job): boolean {
  return job.spec?.ttlSecondsAfterFinished !== undefined && job.spec.ttlSecondsAfterFinished !== null && isJobFinished(job) && !job.metadata?.deletionTimestamp;
}

/** Milliseconds until the Job expires (≤ 0: expired), or undefined when it has no TTL or has not finished. */
export function timeLeftMs(job: Job, now: Date): number | undefined {
  if (!needsCleanup(job)) return undefined;
  const finishedAt = jobFinishTime(job);
  if (!finishedAt) return undefined;
  return finishedAt.getTime() + job.spec!.ttlSecondsAfterFinished! * 1000 - now.getTime();
}

export async function syncTtl(deps: TtlDeps, key: string): Promise<SyncResult> {
  const { namespace, name } = splitKey(key);
  const cached = deps.jobLister.get(namespace, name);
  if (!cached) return;
  const left = timeLeftMs(cached, deps.now());
  if (left === undefined) return;
  if (left > 0) return { requeueAfter: left };
  // The cache may lag: decide on the live object.
  let fresh: Job;
  try {
    fresh = await deps.client.get<Job>(jobsResource, namespace, name);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const freshLeft = timeLeftMs(fresh, deps.now());
  if (freshLeft === undefined) return;
  if (freshLeft > 0) return { requeueAfter: freshLeft };
  deps.logger?.info({ job: key }, 'cleaning up finished Job past its TTL');
  try {
    await deps.client.delete(jobsResource, namespace, name, {
      propagationPolicy: 'Foreground',
      preconditions: { uid: fresh.metadata?.uid, resourceVersion: fresh.metadata?.resourceVersion },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return;
}

/** Only Jobs with a TTL that have finished are queued; the rest never concern this controller. */
export function ttlJobEvents(): EventMapper<Job> {
  const own = enqueueObject<Job>();
  return {
    add: (job) => (needsCleanup(job) ? own.add!(job) : undefined),
    update: (old, job) => (needsCleanup(job) ? own.update!(old, job) : undefined),
  };
}

export function newTtlAfterFinishedController(): Controller {
  return keyedController('ttl-after-finished', 5, (ctx) => {
    const jobs = ctx.informers.informerFor<Job>(jobsResource);
    const deps: TtlDeps = { client: ctx.client, jobLister: jobs, now: () => new Date(), logger: ctx.logger };
    return { watches: [watch(jobs, ttlJobEvents())], sync: (key) => syncTtl(deps, key) };
  });
}
