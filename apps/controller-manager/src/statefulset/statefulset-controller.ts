/**
 * The statefulset controller (upstream's pkg/controller/statefulset): watches StatefulSets
 * and their pods (mapped to the controlling set); sync(key) claims the set's pods and
 * revisions, finds or makes the update revision, runs one pass of updateStatefulSet,
 * writes the status and trims the history.
 */
import {
  findResourceByKind,
  fromLabelSelector,
  type ControllerRevision,
  type PersistentVolumeClaim,
  type Pod,
  type ResourceInfo,
  type StatefulSet,
} from '@skiff/api';
import {
  enqueueObject,
  enqueueOwner,
  splitKey,
  TerminalError,
  watch,
  type EventRecorder,
  type KubeObject,
  type Lister,
  type RestClient,
  type SyncResult,
} from '@skiff/client';
import type { Logger } from '@skiff/log';
import { controllerRevisionsResource } from '../common/controller-history.ts';
import { podsResource } from '../common/pod-control.ts';
import { claimOwned, nextAvailabilityCheckMs, requeueAfterSoonest, updateStatusIfChanged } from '../common/workload-helpers.ts';
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
    const matches = (obj: KubeObject) => !selector.empty && selector.matches(obj.metadata?.labels ?? {});
    const claim = { client: this.#opts.client, owner: set, ownerResource: statefulSetsResource, gvk: statefulSetGvk };
    const revisions = await claimOwned<ControllerRevision>({
      ...claim,
      resource: controllerRevisionsResource,
      candidates: this.#opts.revisions.list(namespace),
      matches,
    });
    // A pod is the set's when the selector picks it and its name is `<set>-<ordinal>`.
    const pods = await claimOwned<Pod>({
      ...claim,
      resource: podsResource,
      candidates: this.#opts.pods.list(namespace),
      matches: (pod) => matches(pod) && isMemberOf(set, pod),
    });

    const setRevisions = await getStatefulSetRevisions(this.#opts.client, set, revisions);
    const status = await updateStatefulSet(this.#opts, set, pods, setRevisions);
    this.#opts.logger?.debug(
      {
        statefulset: key,
        replicas: status.replicas,
        ready: status.readyReplicas,
        updated: status.updatedReplicas,
        currentRevision: status.currentRevision,
        updateRevision: status.updateRevision,
      },
      'synced statefulset',
    );
    await updateStatusIfChanged(this.#opts.client, statefulSetsResource, set, status);
    await truncateHistory(this.#opts.client, set, pods, setRevisions);
    return requeueAfterSoonest(nextAvailabilityCheckMs(pods, set.spec?.minReadySeconds ?? 0, this.#opts.now()));
  }
}

export function newStatefulSetController(): Controller {
  return keyedController('statefulset', 5, (ctx) => {
    const sets = ctx.informers.informerFor<StatefulSet>(statefulSetsResource);
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    const revisions = ctx.informers.informerFor<ControllerRevision>(controllerRevisionsResource);
    const claims = ctx.informers.informerFor<PersistentVolumeClaim>(claimsResource);
    const syncer = new StatefulSetSyncer({
      client: ctx.client,
      recorder: ctx.recorder,
      logger: ctx.logger,
      now: () => new Date(),
      sets,
      pods,
      revisions,
      claims,
    });
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
