/**
 * The StatefulSet's writes to pods and claims (upstream's StatefulPodControl), each with
 * the event upstream records: claims before the pod, so the pod's volumes resolve.
 */
import { findResourceByKind, type PersistentVolumeClaim, type Pod, type ResourceInfo, type StatefulSet } from '@skiff/api';
import { ApiStatusError, isAlreadyExists, isConflict, isNotFound, type EventRecorder, type Lister, type RestClient } from '@skiff/client';
import { podsResource } from '../common/pod-control.ts';
import { ordinalOf, persistentVolumeClaims } from './util.ts';

export const claimsResource: ResourceInfo = findResourceByKind('v1', 'PersistentVolumeClaim')!;

export interface PodControlDeps {
  client: Pick<RestClient, 'create' | 'get' | 'update' | 'patch' | 'delete'>;
  recorder: Pick<EventRecorder, 'event'>;
  claims: Pick<Lister<PersistentVolumeClaim>, 'get'>;
}

function messageOf(err: unknown): string {
  if (err instanceof ApiStatusError) return err.status.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Creates the claims of the pod's ordinal that do not exist yet; a claim being deleted is an error (wait for it). */
export async function createMissingClaims(deps: PodControlDeps, set: StatefulSet, pod: Pod): Promise<void> {
  const podName = pod.metadata?.name ?? '';
  for (const claim of persistentVolumeClaims(set, ordinalOf(pod))) {
    const name = claim.metadata?.name ?? '';
    const existing = deps.claims.get(claim.metadata?.namespace, name);
    if (existing) {
      if (existing.metadata?.deletionTimestamp) throw new Error(`pvc ${name} is being deleted`);
      continue;
    }
    try {
      await deps.client.create(claimsResource, claim, { namespace: claim.metadata?.namespace });
      deps.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${podName} in StatefulSet ${set.metadata?.name} success`);
    } catch (err) {
      if (isAlreadyExists(err)) continue;
      deps.recorder.event(
        set,
        'Warning',
        'FailedCreate',
        `create Claim ${name} for Pod ${podName} in StatefulSet ${set.metadata?.name} failed error: ${messageOf(err)}`,
      );
      throw err;
    }
  }
}

/** CreateStatefulPod: claims first, then the pod. */
export async function createStatefulPod(deps: PodControlDeps, set: StatefulSet, pod: Pod): Promise<void> {
  await createMissingClaims(deps, set, pod);
  const name = pod.metadata?.name ?? '';
  try {
    await deps.client.create(podsResource, pod, { namespace: pod.metadata?.namespace });
    deps.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata?.name} successful`);
  } catch (err) {
    // The cache lagged behind a pod we made: not a failure, the next pass sees it.
    if (isAlreadyExists(err)) return;
    deps.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata?.name} failed error: ${messageOf(err)}`);
    throw err;
  }
}

/** DeleteStatefulPod; a pod already gone is not an error. */
export async function deleteStatefulPod(deps: PodControlDeps, set: StatefulSet, pod: Pod): Promise<void> {
  const name = pod.metadata?.name ?? '';
  try {
    await deps.client.delete(podsResource, pod.metadata?.namespace, name, { preconditions: { uid: pod.metadata?.uid } });
    deps.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${name} in StatefulSet ${set.metadata?.name} successful`);
  } catch (err) {
    // Gone, or replaced by a newer pod of the same name (the uid precondition failed): done.
    if (isNotFound(err) || isConflict(err)) return;
    deps.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${name} in StatefulSet ${set.metadata?.name} failed error: ${messageOf(err)}`);
    throw err;
  }
}

/**
 * persistentVolumeClaimRetentionPolicy.whenScaled = Delete: before a condemned pod goes, its
 * claims get the pod as an owner, so the garbage collector deletes them once the pod is gone.
 */
export async function setClaimsOwnedByPod(deps: PodControlDeps, set: StatefulSet, pod: Pod): Promise<void> {
  for (const template of persistentVolumeClaims(set, ordinalOf(pod))) {
    const claim = deps.claims.get(template.metadata?.namespace, template.metadata?.name ?? '');
    if (!claim || claim.metadata?.ownerReferences?.some((ref) => ref.uid === pod.metadata?.uid)) continue;
    const refs = [...(claim.metadata?.ownerReferences ?? []), { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' }];
    try {
      await deps.client.patch(claimsResource, claim.metadata?.namespace, claim.metadata?.name ?? '', 'json', [
        { op: 'test', path: '/metadata/uid', value: claim.metadata?.uid },
        { op: 'add', path: '/metadata/ownerReferences', value: refs },
      ]);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
