/**
 * The deployment controller: watches Deployments, the ReplicaSets they own and (for
 * Recreate) their pods, each mapped to the deployment's key; sync(key) walks Kubernetes'
 * ladder (deleting → paused → rollback → scaling → rollout by strategy).
 */
import { fromLabelSelector, type Deployment, type Pod, type ReplicaSet } from '@skiff/api';
import { enqueueObject, enqueueOwner, objectKey, resolveControllerRef, splitKey, watch, type EventMapper, type Lister, type SyncResult } from '@skiff/client';
import { claimObjects, getControllerOf, newControllerRef } from '../common/controller-ref.ts';
import { podsResource } from '../common/pod-control.ts';
import { keyedController, type Controller } from '../controller.ts';
import { checkPausedConditions } from './progress.ts';
import { rolloutRecreate } from './recreate.ts';
import { getRollbackTo, rollback } from './rollback.ts';
import { rolloutRolling } from './rolling.ts';
import {
  deploymentGvk,
  deploymentsResource,
  isScalingEvent,
  replicaSetsResource,
  syncScaleOnly,
  syncStatusOnly,
  updateDeploymentStatus,
  type PodMap,
  type SyncDeps,
} from './sync.ts';

export interface DeploymentSyncerOptions extends SyncDeps {
  deployments: Lister<Deployment>;
  replicaSets: Lister<ReplicaSet>;
  pods: Lister<Pod>;
}

/** sync(key) over caches and a client: the part controller tests drive directly. */
export class DeploymentSyncer {
  readonly #opts: DeploymentSyncerOptions;

  constructor(opts: DeploymentSyncerOptions) {
    this.#opts = opts;
  }

  async sync(key: string): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const cached = this.#opts.deployments.get(namespace, name);
    if (!cached) return;
    const d = structuredClone(cached) as Deployment;
    const deps: SyncDeps = this.#opts;
    const selector = d.spec?.selector;
    if (selector && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0) {
      deps.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        (d.status ??= {}).observedGeneration = d.metadata?.generation;
        await updateDeploymentStatus(deps, d);
      }
      return;
    }
    const rsList = await this.#claimReplicaSets(d);
    const podMap = this.#podMap(d, rsList);
    if (d.metadata?.deletionTimestamp) return syncStatusOnly(deps, d, rsList);
    await checkPausedConditions(deps, d);
    if (d.spec?.paused) return syncScaleOnly(deps, d, rsList);
    // Rollback is not re-entrant: nothing else happens until the annotation is cleared.
    if (getRollbackTo(d) !== undefined) return rollback(deps, d, rsList);
    if (await isScalingEvent(deps, d, rsList)) return syncScaleOnly(deps, d, rsList);
    if (d.spec?.strategy?.type === 'Recreate') return rolloutRecreate(deps, d, rsList, podMap);
    return rolloutRolling(deps, d, rsList);
  }

  /** The ReplicaSets this deployment controls, adopting matching orphans and releasing strays. */
  async #claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const selector = fromLabelSelector(d.spec?.selector);
    const ns = d.metadata!.namespace;
    const { client } = this.#opts;
    return claimObjects<ReplicaSet>({
      owner: d,
      gvk: deploymentGvk,
      candidates: this.#opts.replicaSets.list(ns),
      matches: (rs) => selector.matches(rs.metadata?.labels ?? {}),
      canAdopt: async () => {
        // The cache may lag: only a live deployment that is not being deleted adopts.
        const fresh = await client.get<Deployment>(deploymentsResource, ns, d.metadata!.name!);
        return fresh.metadata?.uid === d.metadata?.uid && !fresh.metadata?.deletionTimestamp;
      },
      adopt: async (rs) => {
        const refs = [...(rs.metadata?.ownerReferences ?? []), newControllerRef(d, deploymentGvk)];
        await client.patch(replicaSetsResource, ns, rs.metadata!.name!, 'json', [
          { op: 'test', path: '/metadata/uid', value: rs.metadata?.uid },
          { op: 'add', path: '/metadata/ownerReferences', value: refs },
        ]);
      },
      release: async (rs) => {
        const refs = (rs.metadata?.ownerReferences ?? []).filter((ref) => ref.uid !== d.metadata?.uid);
        await client.patch(replicaSetsResource, ns, rs.metadata!.name!, 'json', [
          { op: 'test', path: '/metadata/uid', value: rs.metadata?.uid },
          { op: 'add', path: '/metadata/ownerReferences', value: refs },
        ]);
      },
    });
  }

  /** Pods selected by the deployment, grouped by the UID of the claimed RS controlling them. */
  #podMap(d: Deployment, rsList: readonly ReplicaSet[]): PodMap {
    const map: PodMap = new Map(rsList.map((rs) => [rs.metadata!.uid!, []]));
    const selector = fromLabelSelector(d.spec?.selector);
    for (const pod of this.#opts.pods.list(d.metadata!.namespace)) {
      const uid = getControllerOf(pod)?.uid;
      if (uid === undefined || !map.has(uid) || !selector.matches(pod.metadata?.labels ?? {})) continue;
      map.get(uid)!.push(pod);
    }
    return map;
  }
}

/** ReplicaSet events queue the deployment controlling them (by UID), orphans every deployment that could adopt them. */
export function replicaSetEvents(deployments: Lister<Deployment>): EventMapper<ReplicaSet> {
  return enqueueOwner<ReplicaSet, Deployment>({ ownerKind: 'Deployment', owners: deployments, selectorOf: (d) => fromLabelSelector(d.spec?.selector) });
}

/** Only Recreate cares about pods: it waits for the old ones to be gone. */
export function podEvents(deployments: Lister<Deployment>, replicaSets: Lister<ReplicaSet>): EventMapper<Pod> {
  return {
    delete(pod) {
      const rs = resolveControllerRef(pod, 'ReplicaSet', replicaSets);
      const d = rs && resolveControllerRef(rs, 'Deployment', deployments);
      return d?.spec?.strategy?.type === 'Recreate' ? objectKey(d) : undefined;
    },
  };
}

export function newDeploymentController(): Controller {
  return keyedController('deployment', 5, (ctx) => {
    const deployments = ctx.informers.informerFor<Deployment>(deploymentsResource);
    const replicaSets = ctx.informers.informerFor<ReplicaSet>(replicaSetsResource);
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    const syncer = new DeploymentSyncer({
      client: ctx.client,
      recorder: ctx.recorder,
      logger: ctx.logger,
      now: () => new Date(),
      deployments,
      replicaSets,
      pods,
    });
    return {
      // A resync re-runs every deployment, as kube's controller does.
      watches: [
        watch(deployments, enqueueObject({ resyncs: true })),
        watch(replicaSets, replicaSetEvents(deployments)),
        watch(pods, podEvents(deployments, replicaSets)),
      ],
      sync: (key) => syncer.sync(key),
    };
  });
}
