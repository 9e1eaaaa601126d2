/**
 * A test fixture for the job controller: informer caches, a fake client that records every
 * write and applies it to the caches at once (an instant watch) — finalizers hold a deleted
 * pod, status writes compare resourceVersions — and a kubelet stand-in that finishes pods.
 */
import { applyStrategicMergePatch, type Job, type Pod, type ResourceInfo } from '@skiff/api';
import { ApiStatusError, indexByOwnerUid, InformerCache, OWNER_UID_INDEX, type KubeObject } from '@skiff/client';
import { indexOrphanPodsByNamespace, ORPHAN_POD_INDEX } from '../replicaset/sync.ts';
import { JobController } from './job-controller.ts';

export function newJob(spec: Partial<NonNullable<Job['spec']>> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid', resourceVersion: '1' },
    spec: {
      manualSelector: true,
      selector: { matchLabels: { app: 'pi' } },
      template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } },
      ...spec,
    },
  };
}

function apiError(code: number, reason: string, message: string): ApiStatusError {
  return new ApiStatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

export class FakeJobWorld {
  readonly jobs = new InformerCache<Job>();
  readonly pods = new InformerCache<Pod>();
  readonly actions: string[] = [];
  readonly events: string[] = [];
  now = new Date('2026-03-01T10:00:00Z');
  #rv = 10;
  #seq = 0;
  readonly controller: JobController;

  constructor(job: Job) {
    this.pods.addIndex(OWNER_UID_INDEX, indexByOwnerUid);
    this.pods.addIndex(ORPHAN_POD_INDEX, indexOrphanPodsByNamespace);
    this.jobs.upsert(job);
    this.controller = new JobController({
      jobLister: this.jobs,
      podLister: this.pods,
      now: () => this.now,
      recorder: { event: (_obj, type, reason, message) => void this.events.push(`${type} ${reason}: ${message}`) },
      client: {
        get: async <T extends KubeObject>(res: ResourceInfo, ns: string | undefined, name: string) => {
          const found = this.#cache(res).get(ns, name);
          if (!found) throw apiError(404, 'NotFound', `${res.resource} "${name}" not found`);
          return structuredClone(found) as unknown as T;
        },
        create: async <T extends KubeObject>(res: ResourceInfo, obj: T) => {
          const stored = structuredClone(obj) as any;
          const name = stored.metadata!.name ?? `${stored.metadata!.generateName}${(++this.#seq).toString(36).padStart(5, 'x')}`;
          stored.metadata = {
            ...stored.metadata,
            name,
            uid: `pod-${this.#seq}`,
            resourceVersion: String(++this.#rv),
            creationTimestamp: this.now.toISOString(),
          };
          this.actions.push(`create pods/${name}`);
          this.#storePod(stored);
          return structuredClone(stored) as unknown as T;
        },
        update: async <T extends KubeObject>(res: ResourceInfo, obj: T, opts: { subresource?: string } = {}) => {
          const stored = this.jobs.get(obj.metadata?.namespace, obj.metadata!.name!);
          if (!stored) throw apiError(404, 'NotFound', 'gone');
          if (stored.metadata?.resourceVersion !== obj.metadata?.resourceVersion) throw apiError(409, 'Conflict', 'the object has been modified');
          this.actions.push(`update ${res.resource}/${obj.metadata?.name}/${opts.subresource}`);
          const next = { ...structuredClone(stored), status: structuredClone((obj as Job).status) } as any;
          next.metadata!.resourceVersion = String(++this.#rv);
          this.jobs.upsert(next);
          return structuredClone(next) as unknown as T;
        },
        patch: async <T extends KubeObject>(res: ResourceInfo, ns: string | undefined, name: string, _type: string, patch: unknown) => {
          const stored = this.pods.get(ns, name);
          if (!stored) throw apiError(404, 'NotFound', `pods "${name}" not found`);
          this.actions.push(`patch ${res.resource}/${name}`);
          const next = applyStrategicMergePatch(structuredClone(stored), patch, 'v1/Pod') as any;
          next.metadata!.resourceVersion = String(++this.#rv);
          this.#storePod(next);
          return structuredClone(next) as unknown as T;
        },
        delete: async (res: ResourceInfo, ns: string | undefined, name: string) => {
          const stored = this.pods.get(ns, name);
          if (!stored) throw apiError(404, 'NotFound', `pods "${name}" not found`);
          this.actions.push(`delete ${res.resource}/${name}`);
          this.#storePod({ ...structuredClone(stored), metadata: { ...structuredClone(stored.metadata), deletionTimestamp: this.now.toISOString() } });
          return structuredClone(stored) as any;
        },
      },
    });
  }

  #cache(res: ResourceInfo): InformerCache<any> {
    return res.kind === 'Job' ? this.jobs : this.pods;
  }

  /** A pod with a deletion timestamp and no finalizers is gone, as the apiserver does it. */
  #storePod(pod: Pod): void {
    const events = this.controller.podEvents;
    const old = this.pods.get(pod.metadata?.namespace, pod.metadata!.name!);
    if (pod.metadata?.deletionTimestamp && !pod.metadata.finalizers?.length) {
      this.pods.remove(pod);
      events.delete?.(pod);
    } else {
      this.pods.upsert(pod);
      if (old) events.update?.(old, pod);
      else events.add?.(pod);
    }
  }

  job(): Job {
    return this.jobs.get('default', 'pi')!;
  }

  editJob(change: (job: any) => void): void {
    const job = structuredClone(this.job()) as any;
    change(job);
    job.metadata!.resourceVersion = String(++this.#rv);
    this.jobs.upsert(job);
  }

  sync() {
    return this.controller.sync('default/pi');
  }

  podList(): Pod[] {
    return this.pods.list('default').sort((a, b) => a.metadata!.uid!.localeCompare(b.metadata!.uid!, 'en', { numeric: true }));
  }

  activePods(): Pod[] {
    return this.podList()
      .filter((p) => !p.status?.phase || p.status.phase === 'Running' || p.status.phase === 'Pending')
      .filter((p) => !p.metadata?.deletionTimestamp);
  }

  /** The kubelet's part: the pod's containers ended with `exitCode` (0: Succeeded). */
  finishPod(pod: Pod, exitCode = 0, conditions: { type: string; status: string }[] = []): void {
    const next = structuredClone(pod) as any;
    next.status = {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      conditions,
      containerStatuses: [
        {
          name: 'pi',
          image: 'perl',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } },
        },
      ],
    };
    next.metadata!.resourceVersion = String(++this.#rv);
    this.#storePod(next);
  }

  /** The kubelet confirms the deletion of terminating pods: they leave once their finalizers are gone. */
  confirmDeletions(): void {
    for (const pod of this.podList()) {
      if (!pod.metadata?.deletionTimestamp) continue;
      const next = structuredClone(pod) as any;
      next.status = { ...next.status, phase: next.status?.phase === 'Succeeded' ? 'Succeeded' : 'Failed' };
      next.metadata!.resourceVersion = String(++this.#rv);
      this.#storePod(next);
    }
  }

  takeActions(): string[] {
    return this.actions.splice(0);
  }
}
