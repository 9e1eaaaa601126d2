import type { Pod, ReplicaSet, ReplicaSetStatus } from '@skiff/api';
import {
  ApiStatusError,
  isConflict,
  objectKey,
  OWNER_UID_INDEX,
  splitKey,
  TerminalError,
  type EventRecorder,
  type InformerCache,
  type KubeObject,
  type RestClient,
  type SyncResult,
} from '@skiff/client';
import type { Logger } from '@skiff/log';
import { claimObjects, getControllerOf, newControllerRef } from '../common/controller-ref.ts';
import type { ControllerExpectations } from '../common/expectations.ts';
import { createPodFromTemplate, deletePod, podsResource } from '../common/pod-control.ts';
import { isPodActive } from '../common/pod-readiness.ts';
import {
  BURST_REPLICAS,
  computeReplicaSetStatus,
  getPodsToDelete,
  nextAvailableCheckMs,
  replicasOf,
  slowStartBatch,
  statusEquals,
  templateOf,
  type ReplicaKind,
} from './util.ts';

/** Index of the pod informer: namespace of every pod without a controller (adoption candidates). */
export const ORPHAN_POD_INDEX = 'replicaset:orphanNamespace';

export function indexOrphanPodsByNamespace(pod: Pod): string[] {
  return !getControllerOf(pod) && pod.metadata?.namespace ? [pod.metadata.namespace] : [];
}

export type Lister<T extends KubeObject> = Pick<InformerCache<T>, 'get' | 'list' | 'byIndex'>;

/** Everything a sync reads and writes; the controller builds it, tests fake it. */
export interface SyncDeps {
  kind: ReplicaKind;
  client: Pick<RestClient, 'create' | 'delete' | 'patch' | 'update' | 'get'>;
  /** Indexed by OWNER_UID_INDEX. */
  rsLister: Lister<ReplicaSet>;
  /** Indexed by OWNER_UID_INDEX and ORPHAN_POD_INDEX. */
  podLister: Lister<Pod>;
  recorder: Pick<EventRecorder, 'event'>;
  expectations: ControllerExpectations;
  now: () => Date;
  logger?: Logger;
}

/**
 * kube's syncReplicaSet: read the RS from the cache (gone: forget it), claim its pods,
 * create or delete toward spec.replicas unless earlier requests are still unobserved,
 * then write the status if it changed. A failed create/delete is thrown after the status
 * (with its ReplicaFailure condition) is written, so the runner retries with backoff.
 */
export async function syncReplicaSet(deps: SyncDeps, key: string): Promise<SyncResult> {
  const { namespace, name } = splitKey(key);
  const rs = deps.rsLister.get(namespace, name);
  if (!rs) {
    deps.expectations.delete(key);
    return;
  }
  let selector;
  try {
    selector = deps.kind.selectorOf(rs);
  } catch (err) {
    throw new TerminalError(`${deps.kind.gvk.kind} ${key} has an invalid selector: ${messageOf(err)}`, { cause: err });
  }
  const needsSync = deps.expectations.satisfied(key);
  const candidates = candidatePods(deps, rs).filter(isPodActive);
  const pods = await claimObjects<Pod>({
    owner: rs,
    gvk: deps.kind.gvk,
    candidates,
    matches: (pod) => selector.matches(pod.metadata?.labels ?? {}),
    adopt: (pod) => patchPodOwner(deps, pod, { metadata: { ownerReferences: [newControllerRef(rs, deps.kind.gvk)], uid: pod.metadata?.uid } }),
    release: (pod) => patchPodOwner(deps, pod, { metadata: { ownerReferences: [{ $patch: 'delete', uid: rs.metadata?.uid }], uid: pod.metadata?.uid } }),
    canAdopt: () => recheckNotDeleted(deps, rs),
  });

  const diff = pods.length - replicasOf(rs);
  let manageError: unknown;
  if (needsSync && !rs.metadata?.deletionTimestamp) {
    try {
      await manageReplicas(deps, rs, key, pods, diff);
    } catch (err) {
      manageError = err;
    }
  }
  const now = deps.now();
  const status = computeReplicaSetStatus(rs, pods, manageError, diff, now);
  if (!statusEquals(rs.status, status)) await updateStatus(deps, rs, status);
  if (manageError !== undefined) throw manageError;
  const wait = nextAvailableCheckMs(pods, rs.spec?.minReadySeconds ?? 0, now);
  return wait === undefined ? undefined : { requeueAfter: wait };
}

/**
 * Pods owned by the RS plus orphans of its namespace: the only ones a claim can keep or
 * adopt (pods of other controllers are ignored anyway), without scanning the namespace.
 */
function candidatePods(deps: SyncDeps, rs: ReplicaSet): Pod[] {
  const uid = rs.metadata?.uid ?? '';
  const ns = rs.metadata?.namespace ?? '';
  const owned = deps.podLister.byIndex(OWNER_UID_INDEX, uid).filter((pod) => pod.metadata?.namespace === ns);
  return [...owned, ...deps.podLister.byIndex(ORPHAN_POD_INDEX, ns)];
}

async function manageReplicas(deps: SyncDeps, rs: ReplicaSet, key: string, pods: Pod[], diff: number): Promise<void> {
  if (diff < 0) await createPods(deps, rs, key, Math.min(-diff, BURST_REPLICAS));
  else if (diff > 0) await deletePods(deps, rs, key, pods, Math.min(diff, BURST_REPLICAS));
}

async function createPods(deps: SyncDeps, rs: ReplicaSet, key: string, count: number): Promise<void> {
  const ns = rs.metadata?.namespace ?? '';
  // Expect all of them before the first request: a watch event may beat the answer.
  deps.expectations.expectCreations(key, count);
  const { successes, error } = await slowStartBatch(count, 1, async () => {
    try {
      const pod = await createPodFromTemplate(deps.client, ns, templateOf(rs), rs, deps.kind.gvk);
      deps.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name}`);
    } catch (err) {
      // A server timeout may still have created the pod: keep expecting it (it expires).
      if (err instanceof ApiStatusError && (err.code === 504 || err.reason === 'Timeout')) return;
      deps.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${messageOf(err)}`);
      throw err;
    }
  });
  // Nothing will be observed for the failed and the never-attempted creations.
  for (let i = successes; i < count; i++) deps.expectations.creationObserved(key);
  if (error !== undefined && !isNamespaceTerminating(error)) throw error;
}

async function deletePods(deps: SyncDeps, rs: ReplicaSet, key: string, pods: Pod[], count: number): Promise<void> {
  const victims = getPodsToDelete(pods, relatedPods(deps, rs), count, deps.now().getTime());
  deps.expectations.expectDeletions(key, victims.map(objectKey));
  const errors: unknown[] = [];
  await Promise.all(
    victims.map(async (pod) => {
      const podName = pod.metadata?.name ?? '';
      try {
        if (await deletePod(deps.client, pod.metadata?.namespace ?? '', podName)) {
          deps.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${podName}`);
        } else {
          deps.expectations.deletionObserved(key, objectKey(pod));
        }
      } catch (err) {
        deps.expectations.deletionObserved(key, objectKey(pod));
        deps.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${messageOf(err)}`);
        errors.push(err);
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
}

/**
 * Pods of every ReplicaSet sharing this one's controller (kube's getIndirectlyRelatedPods),
 * for ranking victims by how crowded their node is. A standalone RS has none.
 */
function relatedPods(deps: SyncDeps, rs: ReplicaSet): Pod[] {
  const ref = getControllerOf(rs);
  if (!ref) return [];
  const ns = rs.metadata?.namespace ?? '';
  const seen = new Map<string, Pod>();
  for (const sibling of deps.rsLister.byIndex(OWNER_UID_INDEX, ref.uid)) {
    if (sibling.metadata?.namespace !== ns || getControllerOf(sibling)?.uid !== ref.uid) continue;
    let selector;
    try {
      selector = deps.kind.selectorOf(sibling);
    } catch {
      continue;
    }
    for (const pod of deps.podLister.list(ns)) {
      const uid = pod.metadata?.uid ?? objectKey(pod);
      if (!seen.has(uid) && selector.matches(pod.metadata?.labels ?? {})) seen.set(uid, pod);
    }
  }
  return [...seen.values()];
}

async function patchPodOwner(deps: SyncDeps, pod: Pod, patch: unknown): Promise<void> {
  await deps.client.patch(podsResource, pod.metadata?.namespace, pod.metadata?.name ?? '', 'strategic', patch);
}

/** The cache may lag: before adopting, make sure the live RS is this one and not being deleted. */
async function recheckNotDeleted(deps: SyncDeps, rs: ReplicaSet): Promise<boolean> {
  const ns = rs.metadata?.namespace;
  const name = rs.metadata?.name ?? '';
  const fresh = await deps.client.get<ReplicaSet>(deps.kind.resource, ns, name);
  if (fresh.metadata?.uid !== rs.metadata?.uid) {
    throw new Error(`original ${deps.kind.gvk.kind} ${ns}/${name} is gone: got uid ${fresh.metadata?.uid}, wanted ${rs.metadata?.uid}`);
  }
  if (fresh.metadata?.deletionTimestamp) throw new Error(`${ns}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  return true;
}

/** PUT to the status subresource; on a conflict, once more on the live object. */
async function updateStatus(deps: SyncDeps, rs: ReplicaSet, status: ReplicaSetStatus): Promise<void> {
  const res = deps.kind.resource;
  try {
    await deps.client.update<ReplicaSet>(res, { ...rs, status }, { subresource: 'status' });
  } catch (err) {
    if (!isConflict(err)) throw err;
    const fresh = await deps.client.get<ReplicaSet>(res, rs.metadata?.namespace, rs.metadata?.name ?? '');
    if (fresh.metadata?.uid !== rs.metadata?.uid) return;
    await deps.client.update<ReplicaSet>(res, { ...fresh, status }, { subresource: 'status' });
  }
}

function isNamespaceTerminating(err: unknown): boolean {
  if (!(err instanceof ApiStatusError)) return false;
  if (err.status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) return true;
  return err.code === 403 && /because it is being terminated/.test(err.status.message ?? '');
}

function messageOf(err: unknown): string {
  if (err instanceof ApiStatusError) return err.status.message ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
