/**
 * The statefulset controller (upstream's pkg/controller/statefulset): watches StatefulSets
 * and their pods (mapped to the controlling set); sync(key) claims the set's pods and
 * revisions, finds or makes the update revision, runs one pass of updateStatefulSet,
 * writes the status and trims the history.
 */
import { findResourceByKind, fromLabelSelector, type ControllerRevision, type PersistentVolumeClaim, type Pod, type ResourceInfo, type StatefulSet, type StatefulSetStatus } from '@skiff/api';
import { enqueueObject, enqueueOwner, isConflict, splitKey, TerminalError, watch, type EventRecorder, type KubeObject, type Lister, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { controllerRevisionsResource } from '../common/controller-history.ts';
import { claimObjects, newControllerRef } from '../common/controller-ref.ts';
import { podsResource } from '../common/pod-control.ts';
import { podReadySince } from '../common/pod-readiness.ts';
import { keyedController, type Controller } from '../controller.ts';
import { getStatefulSetRevisions, truncateHistory } from './revisions.ts';
import { claimsResource } from './stateful-pod-control.ts';
import { updateStatefulSet } from './update.ts';
import { isMemberOf, statefulSetGvk } from './util.ts';

export const statefulSetsResource: ResourceInfo = findResourceByKind('apps/v1', 'StatefulSet')!;

export interface StatefulSetSyncerOptions {
  client: Pick<RestClient, 'create' | 'get' | 'update' | 'patch' | 'delete'>;
  recorder: Pick<EventRecorder, 'event'>;
  sets: Lister<StatefulSet>;
  pods: Lister<Pod>;
  revisions: Lister<ControllerRevision>;
  claims: Lister<PersistentVolumeClaim>;
  now: () => Date;
  logger?: Logger;
}

/** sync(key) over caches and a client: the part controller tests drive directly. */
export class StatefulSetSyncer {
  readonly #opts: StatefulSetSyncerOptions;

  constructor(opts: StatefulSetSyncerOptions) {
    this.#opts = opts;
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.#opts.sets.get(namespace, name);
    if (!cached) return;
    const set = structuredClone(cached) as StatefulSet;
    let selector;
    try {
      selector = fromLabelSelector(set.spec?.selector);
    } catch (err) {
      throw new TerminalError(`statefulset ${key}: invalid selector`, { cause: err });
    }
    const matches = (labels: Record<string, string>) => !selector.empty && selector.matches(labels);
    const canAdopt = () => this.#recheckNotDeleted(set);
    const revisions = await claimObjects<ControllerRevision>({
      owner: set,
      gvk: statefulSetGvk,
      candidates: this.#opts.revisions.list(namespace),
      matches: (r) => matches(r.metadata?.labels ?? {}),
      canAdopt,
      adopt: (r) => this.#patchOwner(controllerRevisionsResource, r, [newControllerRef(set, statefulSetGvk)]),
      release: (r) => this.#patchOwner(controllerRevisionsResource, r, [{ $patch: 'delete', uid: set.metadata?.uid }]),
    });
    const pods = await claimObjects<Pod>({
      owner: set,
      gvk: statefulSetGvk,
      candidates: this.#opts.pods.list(namespace),
      // A pod is the set's when the selector picks it and its name is `<set>-<ordinal>`.
      matches: (pod) => matches(pod.metadata?.labels ?? {}) && isMemberOf(set, pod),
      canAdopt,
      adopt: (pod) => this.#patchOwner(podsResource, pod, [newControllerRef(set, statefulSetGvk)]),
      release: (pod) => this.#patchOwner(podsResource, pod, [{ $patch: 'delete', uid: set.metadata?.uid }]),
    });

    const setRevisions = await getStatefulSetRevisions(this.#opts.client, set, revisions);
    const status = await updateStatefulSet(this.#opts, set, pods, setRevisions);
    await this.#updateStatus(set, status);
    await truncateHistory(this.#opts.client, set, pods, setRevisions);
    return requeueForAvailability(set, pods, this.#opts.now());
  }

  async #patchOwner(resource: ResourceInfo, obj: KubeObject, ownerReferences: unknown[]): Promise<void> {
    const patch = { metadata: { ownerReferences, uid: obj.metadata?.uid } };
    await this.#opts.client.patch(resource, obj.metadata?.namespace, obj.metadata?.name ?? '', 'strategic', patch);
  }

  /** The cache may lag: only the live set, not being deleted, adopts. */
  async #recheckNotDeleted(set: StatefulSet): Promise<boolean> {
    const fresh = await this.#opts.client.get<StatefulSet>(statefulSetsResource, set.metadata?.namespace, set.metadata?.name ?? '');
    return fresh.metadata?.uid === set.metadata?.uid && !fresh.metadata?.deletionTimestamp;
  }

  /** PUT the status subresource when it changed; on a conflict, once more on the live object. */
  async #updateStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    if (JSON.stringify(set.status ?? {}) === JSON.stringify(status)) return;
    const { client } = this.#opts;
    try {
      await client.update<StatefulSet>(statefulSetsResource, { ...set, status }, { subresource: 'status' });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const fresh = await client.get<StatefulSet>(statefulSetsResource, set.metadata?.namespace, set.metadata?.name ?? '');
      if (fresh.metadata?.uid !== set.metadata?.uid) return;
      await client.update<StatefulSet>(statefulSetsResource, { ...fresh, status }, { subresource: 'status' });
    }
  }
}

/** With minReadySeconds, come back when the first ready-but-not-yet-available pod becomes available. */
function requeueForAvailability(set: StatefulSet, pods: readonly Pod[], now: Date): SyncResult {
  const minReady = set.spec?.minReadySeconds ?? 0;
  if (!minReady) return undefined;
  let wait: number | undefined;
  for (const pod of pods) {
    const since = podReadySince(pod);
    if (!since) continue;
    const left = since.getTime() + minReady * 1000 - now.getTime();
    if (left >= 0 && (wait === undefined || left < wait)) wait = left + 1000;
  }
  return wait === undefined ? undefined : { requeueAfter: wait };
}

export function newStatefulSetController(): Controller {
  return keyedController('statefulset', 5, (ctx) => {
    const sets = ctx.informers.informerFor<StatefulSet>(statefulSetsResource);
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    const revisions = ctx.informers.informerFor<ControllerRevision>(controllerRevisionsResource);
    const claims = ctx.informers.informerFor<PersistentVolumeClaim>(claimsResource);
    const syncer = new StatefulSetSyncer({ client: ctx.client, recorder: ctx.recorder, logger: ctx.logger, now: () => new Date(), sets, pods, revisions, claims });
    const selectorOf = (set: StatefulSet) => fromLabelSelector(set.spec?.selector);
    return {
      watches: [
        watch(sets, enqueueObject()),
        watch(pods, enqueueOwner<Pod, StatefulSet>({ ownerKind: 'StatefulSet', owners: sets, selectorOf })),
        watch(revisions, enqueueOwner<ControllerRevision, StatefulSet>({ ownerKind: 'StatefulSet', owners: sets, selectorOf })),
      ],
      sync: (key) => syncer.sync(key),
    };
  });
}
