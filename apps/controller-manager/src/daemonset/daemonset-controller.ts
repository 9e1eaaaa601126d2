/**
 * The daemonset controller (upstream's pkg/controller/daemon): watches DaemonSets, their
 * pods and revisions, and nodes; sync(key) claims the set's pods and revisions, finds or
 * makes the current revision, puts one pod on every eligible node and none elsewhere,
 * rolls old pods to the current revision, trims history and writes the status.
 */
import {
  findResourceByKind,
  fromLabelSelector,
  type ControllerRevision,
  type DaemonSet,
  type DaemonSetStatus,
  type Node,
  type Pod,
  type ResourceInfo,
} from '@skiff/api';
import {
  enqueueObject,
  enqueueOwner,
  objectKey,
  sameLabels,
  splitKey,
  TerminalError,
  watch,
  type EventMapper,
  type EventRecorder,
  type KubeObject,
  type Lister,
  type RestClient,
  type SyncResult,
} from '@skiff/client';
import type { Logger } from '@skiff/log';
import { controllerRevisionsResource } from '../common/controller-history.ts';
import { ControllerExpectations } from '../common/expectations.ts';
import { podsResource } from '../common/pod-control.ts';
import { claimOwned, nextAvailabilityCheckMs, requeueAfterSoonest, updateStatusIfChanged } from '../common/workload-helpers.ts';
import { keyedController, type Controller } from '../controller.ts';
import { FailedPodBackoff } from './failed-pod-backoff.ts';
import { cleanupHistory, constructHistory, daemonSetGvk, HashCollisionError } from './history.ts';
import { groupPodsByNode, planNodes, syncNodes } from './manage.ts';
import { targetNodeName } from './node-eligibility.ts';
import { planRollingUpdate } from './rolling.ts';
import { computeDaemonSetStatus } from './status.ts';

export const daemonSetsResource: ResourceInfo = findResourceByKind('apps/v1', 'DaemonSet')!;
export const nodesResource: ResourceInfo = findResourceByKind('v1', 'Node')!;

export interface DaemonSetSyncerOptions {
  client: Pick<RestClient, 'create' | 'get' | 'update' | 'patch' | 'delete'>;
  recorder: Pick<EventRecorder, 'event'>;
  daemonSets: Lister<DaemonSet>;
  pods: Lister<Pod>;
  revisions: Lister<ControllerRevision>;
  nodes: Lister<Node>;
  now: () => Date;
  expectations?: ControllerExpectations;
  backoff?: FailedPodBackoff;
  logger?: Logger;
}

/** sync(key) over caches and a client: the part controller tests drive directly. */
export class DaemonSetSyncer {
  readonly #opts: DaemonSetSyncerOptions;
  readonly expectations: ControllerExpectations;
  readonly #backoff: FailedPodBackoff;

  constructor(opts: DaemonSetSyncerOptions) {
    this.#opts = opts;
    this.expectations = opts.expectations ?? new ControllerExpectations();
    this.#backoff = opts.backoff ?? new FailedPodBackoff();
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.#opts.daemonSets.get(namespace, name);
    if (!cached) {
      this.expectations.delete(key);
      return;
    }
    const ds = structuredClone(cached) as DaemonSet;
    let selector;
    try {
      selector = fromLabelSelector(ds.spec?.selector);
    } catch (err) {
      throw new TerminalError(`daemonset ${key}: invalid selector`, { cause: err });
    }
    if (selector.empty) {
      this.#opts.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    if (ds.metadata?.deletionTimestamp) return;
    const matches = (obj: KubeObject) => selector.matches(obj.metadata?.labels ?? {});
    const claim = { client: this.#opts.client, owner: ds, ownerResource: daemonSetsResource, gvk: daemonSetGvk, matches };
    const revisions = await claimOwned<ControllerRevision>({
      ...claim,
      resource: controllerRevisionsResource,
      candidates: this.#opts.revisions.list(namespace),
    });
    const pods = await claimOwned<Pod>({ ...claim, resource: podsResource, candidates: this.#opts.pods.list(namespace) });

    let history;
    try {
      history = await constructHistory(this.#opts.client, ds, revisions);
    } catch (err) {
      if (!(err instanceof HashCollisionError)) throw err;
      await updateStatusIfChanged(this.#opts.client, daemonSetsResource, ds, {
        ...(ds.status ?? {}),
        collisionCount: (ds.status?.collisionCount ?? 0) + 1,
      } as DaemonSetStatus);
      throw err;
    }
    const nodes = this.#opts.nodes.list();
    const nodeToPods = groupPodsByNode(pods, targetNodeName);
    const now = this.#opts.now();
    let requeueAfter: number | undefined;
    if (this.expectations.satisfied(key)) {
      const deps = { ...this.#opts, expectations: this.expectations, backoff: this.#backoff };
      const plan = planNodes(deps, ds, nodes, nodeToPods, history.hash);
      requeueAfter = plan.requeueAfter;
      // One step per pass: the rollout looks at the world only once manage has nothing to do.
      if (plan.podsToDelete.length > 0 || plan.nodesNeedingPods.length > 0) {
        this.#opts.logger?.debug(
          { daemonset: key, create: plan.nodesNeedingPods, delete: plan.podsToDelete.map((p) => p.metadata?.name) },
          'placing daemon pods',
        );
        await syncNodes(deps, ds, key, plan.podsToDelete, plan.nodesNeedingPods, history.hash);
      } else if (ds.spec?.updateStrategy?.type !== 'OnDelete') {
        const rolling = planRollingUpdate(ds, nodes, nodeToPods, history.hash, now);
        if (rolling.podsToDelete.length > 0 || rolling.nodesNeedingPods.length > 0) {
          this.#opts.logger?.debug(
            { daemonset: key, surge: rolling.nodesNeedingPods, replace: rolling.podsToDelete.map((p) => p.metadata?.name) },
            'rolling daemon pods',
          );
        }
        await syncNodes(deps, ds, key, rolling.podsToDelete, rolling.nodesNeedingPods, history.hash);
      }
      await cleanupHistory(this.#opts.client, ds, pods, history);
    }
    await updateStatusIfChanged(this.#opts.client, daemonSetsResource, ds, computeDaemonSetStatus(ds, nodes, nodeToPods, history.hash, now));
    return requeueAfterSoonest(requeueAfter, nextAvailabilityCheckMs(pods, ds.spec?.minReadySeconds ?? 0, now));
  }
}

/** A node's arrival, departure, or change of what decides eligibility queues every DaemonSet. */
export function nodeEvents(daemonSets: Lister<DaemonSet>): EventMapper<Node> {
  const all = () => daemonSets.list().map(objectKey);
  return {
    add: all,
    update(old, cur) {
      const changed =
        !sameLabels(old.metadata?.labels, cur.metadata?.labels) ||
        JSON.stringify(old.spec?.taints ?? []) !== JSON.stringify(cur.spec?.taints ?? []) ||
        Boolean(old.spec?.unschedulable) !== Boolean(cur.spec?.unschedulable);
      return changed ? all() : undefined;
    },
    delete: all,
  };
}

export function newDaemonSetController(): Controller {
  return keyedController('daemonset', 2, (ctx) => {
    const daemonSets = ctx.informers.informerFor<DaemonSet>(daemonSetsResource);
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    const revisions = ctx.informers.informerFor<ControllerRevision>(controllerRevisionsResource);
    const nodes = ctx.informers.informerFor<Node>(nodesResource);
    const syncer = new DaemonSetSyncer({
      client: ctx.client,
      recorder: ctx.recorder,
      logger: ctx.logger,
      now: () => new Date(),
      daemonSets,
      pods,
      revisions,
      nodes,
    });
    const { expectations } = syncer;
    const selectorOf = (ds: DaemonSet) => fromLabelSelector(ds.spec?.selector);
    return {
      watches: [
        watch(daemonSets, enqueueObject()),
        watch(
          pods,
          enqueueOwner<Pod, DaemonSet>({
            ownerKind: 'DaemonSet',
            owners: daemonSets,
            selectorOf,
            observedCreation: (key) => expectations.creationObserved(key),
            terminatingIsDeleted: true,
          }),
        ),
        watch(revisions, enqueueOwner<ControllerRevision, DaemonSet>({ ownerKind: 'DaemonSet', owners: daemonSets, selectorOf })),
        watch(nodes, nodeEvents(daemonSets)),
      ],
      sync: (key) => syncer.sync(key),
    };
  });
}
