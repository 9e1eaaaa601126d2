import { fromLabelSelector, type Job, type Pod } from '@skiff/api';
import { enqueueObject, enqueueOwner, objectKey, OWNER_UID_INDEX, watch, type EventMapper, type Keys, type SyncResult } from '@skiff/client';
import { keyedController, type Controller } from '../controller.ts';
import { ControllerExpectations } from '../common/expectations.ts';
import { podsResource } from '../common/pod-control.ts';
import { indexOrphanPodsByNamespace, ORPHAN_POD_INDEX } from '../replicaset/sync.ts';
import { ORPHAN_POD_KEY_PREFIX, orphanPodKey, syncOrphanPod } from './orphan-pods.ts';
import { syncJob, type BackoffRecord, type JobSyncDeps } from './sync.ts';
import { JobTracking } from './tracking.ts';
import { hasTrackingFinalizer, jobsResource } from './util.ts';

/**
 * The job controller (kube's pkg/controller/job): Jobs' own events, and pod events mapped
 * to their controlling Job (orphans: every Job whose selector matches), noting what the
 * creation/deletion expectations and the finalizer-removal tracking wait for. A pod left
 * holding the tracking finalizer without a Job also gets a key of its own (orphan-pods.ts).
 */
export class JobController {
  readonly deps: JobSyncDeps;
  readonly jobEvents: EventMapper<Job>;
  readonly podEvents: EventMapper<Pod>;

  constructor(deps: Omit<JobSyncDeps, 'expectations' | 'tracking' | 'backoff' | 'now'> & Partial<JobSyncDeps>) {
    this.deps = {
      ...deps,
      expectations: deps.expectations ?? new ControllerExpectations(),
      tracking: deps.tracking ?? new JobTracking(),
      backoff: deps.backoff ?? new Map<string, BackoffRecord>(),
      now: deps.now ?? (() => new Date()),
    };
    const { expectations, tracking } = this.deps;
    const own = enqueueObject<Job>();
    this.jobEvents = {
      add: own.add,
      update(old, cur) {
        if (old.metadata?.uid !== cur.metadata?.uid) expectations.delete(objectKey(old));
        return own.update!(old, cur);
      },
      // A pod whose last event came while its Job was still cached got no orphan key; upstream's
      // deleteJob queues every pod of the Job still holding the finalizer, and so does this.
      delete(job) {
        expectations.delete(objectKey(job));
        const uid = job.metadata?.uid;
        const held = uid
          ? deps.podLister.byIndex(OWNER_UID_INDEX, uid).filter((pod) => pod.metadata?.namespace === job.metadata?.namespace && hasTrackingFinalizer(pod))
          : [];
        return [objectKey(job), ...held.map((pod) => `${ORPHAN_POD_KEY_PREFIX}${objectKey(pod)}`)];
      },
    };
    const owner = enqueueOwner<Pod, Job>({
      ownerKind: 'Job',
      owners: deps.jobLister,
      selectorOf: (job) => fromLabelSelector(job.spec?.selector),
      observedCreation: (key) => expectations.creationObserved(key),
      observedDeletion: (key, pod) => expectations.deletionObserved(key, objectKey(pod)),
      terminatingIsDeleted: true,
    });
    const withOrphan = (keys: Keys, pod: Pod): string[] => {
      const orphan = orphanPodKey(pod, deps.jobLister);
      const list = keys === undefined ? [] : typeof keys === 'string' ? [keys] : [...keys];
      return orphan ? [...list, orphan] : list;
    };
    this.podEvents = {
      add: (pod) => withOrphan(owner.add!(pod), pod),
      update(old, cur) {
        if (!hasTrackingFinalizer(cur)) tracking.observed(cur);
        return withOrphan(owner.update!(old, cur), cur);
      },
      delete(pod) {
        tracking.observed(pod);
        return owner.delete!(pod);
      },
    };
  }

  sync(key: string): Promise<SyncResult> {
    if (key.startsWith(ORPHAN_POD_KEY_PREFIX)) return syncOrphanPod(this.deps, key.slice(ORPHAN_POD_KEY_PREFIX.length));
    return syncJob(this.deps, key);
  }
}

export function newJobController(): Controller {
  return keyedController('job', 5, (ctx) => {
    const jobs = ctx.informers.informerFor<Job>(jobsResource);
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    try {
      pods.addIndex(ORPHAN_POD_INDEX, indexOrphanPodsByNamespace);
    } catch {
      // The replica controllers added it already: same function.
    }
    const controller = new JobController({ client: ctx.client, jobLister: jobs, podLister: pods, recorder: ctx.recorder, logger: ctx.logger });
    return {
      watches: [watch(jobs, controller.jobEvents), watch(pods, controller.podEvents)],
      sync: (key) => controller.sync(key),
    };
  });
}
