/**
 * Pods that still hold the tracking finalizer but whose Job is gone (deleted in the
 * background, or replaced under the same name) or that no Job controls any more (released,
 * orphaned): no Job sync will ever count them, so the finalizer is removed on its own queue
 * key, as upstream's orphan-pod queue does. Without this a deleted Job's pods would hang in
 * Terminating forever.
 */
import type { Job, Pod } from '@skiff/api';
import { isNotFound, resolveControllerRef, splitKey, type Lister as ClientLister, type SyncResult } from '@skiff/client';
import { getControllerOf } from '../common/controller-ref.ts';
import type { JobSyncDeps } from './sync.ts';
import { removeTrackingFinalizer } from './tracking.ts';
import { hasTrackingFinalizer, jobsResource } from './util.ts';

/** Queue keys of orphan pods: `orphan-pod:<ns>/<name>`, apart from Job keys (`<ns>/<name>`). */
export const ORPHAN_POD_KEY_PREFIX = 'orphan-pod:';

/** The pod's orphan key when it holds the finalizer and the cache shows no Job controlling it. */
export function orphanPodKey(pod: Pod, jobs: Pick<ClientLister<Job>, 'get'>): string | undefined {
  if (!hasTrackingFinalizer(pod)) return undefined;
  const ref = getControllerOf(pod);
  if (ref?.kind === 'Job' && resolveControllerRef(pod, 'Job', jobs)) return undefined;
  return `${ORPHAN_POD_KEY_PREFIX}${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/** The cache may lag behind a Job just created: only a live GET that finds no such Job lets the finalizer go. */
export async function syncOrphanPod(deps: JobSyncDeps, podKey: string): Promise<SyncResult> {
  const { namespace, name } = splitKey(podKey);
  const pod = deps.podLister.get(namespace, name);
  if (!pod || !hasTrackingFinalizer(pod)) return;
  const ref = getControllerOf(pod);
  if (ref?.kind === 'Job') {
    try {
      const job = await deps.client.get<Job>(jobsResource, namespace, ref.name);
      if (job.metadata?.uid === ref.uid) return; // alive: its own sync counts the pod
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  deps.logger?.debug({ pod: podKey }, 'removing the job tracking finalizer of an orphan pod');
  await removeTrackingFinalizer(deps.client, pod);
}
