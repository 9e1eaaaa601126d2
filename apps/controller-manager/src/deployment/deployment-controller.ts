/**
 * The deployment controller: informers on Deployments, ReplicaSets and Pods; handlers that
 * only enqueue the owning deployment's key; sync(key) walks Kubernetes' ladder
 * (deleting → paused → rollback → scaling → rollout by strategy).
 */
import { fromLabelSelector, type Deployment, type Pod, type ReplicaSet } from '@skiff/api';
import { WorkQueue, objectKey, runWorkers, splitKey, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { claimObjects, getControllerOf, newControllerRef } from '../common/controller-ref.ts';
import { podsResource } from '../common/pod-control.ts';
import type { Controller, ControllerContext } from '../controller.ts';
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

/** What sync reads: an Informer, or an InformerCache in tests. */
export interface Lister<T> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): T[];
}

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

/** Pure event routing, exported for tests: which deployment keys an RS or pod event concerns. */
export class DeploymentEventRouter {
  readonly #deployments: Lister<Deployment>;
  readonly #replicaSets: Lister<ReplicaSet>;
  readonly #enqueue: (key: string) => void;

  constructor(deployments: Lister<Deployment>, replicaSets: Lister<ReplicaSet>, enqueue: (key: string) => void) {
    this.#deployments = deployments;
    this.#replicaSets = replicaSets;
    this.#enqueue = enqueue;
  }

  replicaSetAdded(rs: ReplicaSet): void {
    const owner = this.#resolveOwner(rs);
    if (owner) return this.#enqueue(objectKey(owner));
    if (getControllerOf(rs) || rs.metadata?.deletionTimestamp) return;
    // An orphan: every deployment that could adopt it looks.
    for (const d of this.#deploymentsSelecting(rs)) this.#enqueue(objectKey(d));
  }

  replicaSetUpdated(oldRS: ReplicaSet, rs: ReplicaSet): void {
    if (oldRS.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    const oldRef = getControllerOf(oldRS);
    const ref = getControllerOf(rs);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const previous = this.#resolveOwner(oldRS);
      if (previous) this.#enqueue(objectKey(previous));
    }
    if (ref) {
      const owner = this.#resolveOwner(rs);
      if (owner) this.#enqueue(objectKey(owner));
      return;
    }
    const labelsChanged = JSON.stringify(oldRS.metadata?.labels ?? {}) !== JSON.stringify(rs.metadata?.labels ?? {});
    if (labelsChanged || oldRef) for (const d of this.#deploymentsSelecting(rs)) this.#enqueue(objectKey(d));
  }

  replicaSetDeleted(rs: ReplicaSet): void {
    const owner = this.#resolveOwner(rs);
    if (owner) this.#enqueue(objectKey(owner));
  }

  /** Only Recreate cares about pods: it waits for the old ones to be gone. */
  podDeleted(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.#replicaSets.get(pod.metadata?.namespace, ref.name);
    if (!rs || rs.metadata?.uid !== ref.uid) return;
    const d = this.#resolveOwner(rs);
    if (d?.spec?.strategy?.type === 'Recreate') this.#enqueue(objectKey(d));
  }

  /** The deployment named by the RS's controllerRef, if it is the same object (UID). */
  #resolveOwner(rs: ReplicaSet): Deployment | undefined {
    const ref = getControllerOf(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.#deployments.get(rs.metadata?.namespace, ref.name);
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  }

  #deploymentsSelecting(rs: ReplicaSet): Deployment[] {
    return this.#deployments.list(rs.metadata?.namespace).filter((d) => {
      try {
        const selector = fromLabelSelector(d.spec?.selector);
        return !selector.empty && selector.matches(rs.metadata?.labels ?? {});
      } catch {
        return false;
      }
    });
  }
}

export function newDeploymentController(): Controller {
  return {
    name: 'deployment',
    run: (ctx, signal) => runDeploymentController(ctx, signal),
  };
}

async function runDeploymentController(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  // Informers first, synchronously: the manager starts the shared factory after every
  // controller has asked for its informers.
  const deployments = ctx.informers.informerFor<Deployment>(deploymentsResource);
  const replicaSets = ctx.informers.informerFor<ReplicaSet>(replicaSetsResource);
  const pods = ctx.informers.informerFor<Pod>(podsResource);
  const logger: Logger = ctx.logger.child({ controller: 'deployment' });
  const queue = new WorkQueue<string>();
  const enqueue = (key: string) => queue.add(key);
  const router = new DeploymentEventRouter(deployments, replicaSets, enqueue);
  const guard = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      logger.warn({ err }, 'deployment event handler failed; dropping event');
    }
  };
  deployments.onAdd(guard((d: Deployment) => enqueue(objectKey(d))));
  deployments.onUpdate(guard((_old: Deployment, d: Deployment) => enqueue(objectKey(d))));
  deployments.onDelete(guard((d: Deployment) => enqueue(objectKey(d))));
  replicaSets.onAdd(guard((rs: ReplicaSet) => router.replicaSetAdded(rs)));
  replicaSets.onUpdate(guard((oldRS: ReplicaSet, rs: ReplicaSet) => router.replicaSetUpdated(oldRS, rs)));
  replicaSets.onDelete(guard((rs: ReplicaSet) => router.replicaSetDeleted(rs)));
  pods.onDelete(guard((pod: Pod) => router.podDeleted(pod)));

  const syncer = new DeploymentSyncer({
    client: ctx.client,
    recorder: ctx.recorder,
    logger,
    now: () => new Date(),
    deployments,
    replicaSets,
    pods,
  });
  if (!(await ctx.informers.waitForSync(signal))) return;
  await runWorkers({
    queue,
    sync: (key) => syncer.sync(key),
    workers: ctx.config.workers?.deployment ?? 5,
    informers: [deployments, replicaSets, pods],
    signal,
    logger,
    name: 'deployment',
  });
}
