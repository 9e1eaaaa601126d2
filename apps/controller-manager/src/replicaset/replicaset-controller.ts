import { findResourceByKind, fromLabelSelector, type Pod, type ReplicaSet } from '@skiff/api';
import { enqueueObject, enqueueOwner, objectKey, watch, type EventMapper, type Informer, type SyncResult } from '@skiff/client';
import { keyedController, type Controller } from '../controller.ts';
import { ControllerExpectations } from '../common/expectations.ts';
import { podsResource } from '../common/pod-control.ts';
import { indexOrphanPodsByNamespace, ORPHAN_POD_INDEX, syncReplicaSet, type SyncDeps } from './sync.ts';
import type { ReplicaKind } from './util.ts';

export const replicaSetKind: ReplicaKind = {
  name: 'replicaset',
  resource: findResourceByKind('apps/v1', 'ReplicaSet')!,
  gvk: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  selectorOf: (rs) => fromLabelSelector(rs.spec?.selector),
};

export function newReplicaSetController(): Controller {
  return newReplicaController(replicaSetKind);
}

/**
 * The replicaset controller, and through another ReplicaKind the replicationcontroller
 * one: the ReplicaSets' own events, and pod events mapped to their controlling ReplicaSet
 * (orphans: every RS that may adopt them), both noting what the expectations wait for.
 */
export class ReplicaSetController {
  readonly deps: SyncDeps;
  readonly replicaSetEvents: EventMapper<ReplicaSet>;
  readonly podEvents: EventMapper<Pod>;

  constructor(deps: Omit<SyncDeps, 'expectations' | 'now'> & Partial<Pick<SyncDeps, 'expectations' | 'now'>>) {
    this.deps = { ...deps, expectations: deps.expectations ?? new ControllerExpectations(), now: deps.now ?? (() => new Date()) };
    const { expectations } = this.deps;
    const own = enqueueObject<ReplicaSet>();
    this.replicaSetEvents = {
      add: own.add,
      update(old, cur) {
        // Deleted and recreated under the same name: what we expected was for the old one.
        if (old.metadata?.uid !== cur.metadata?.uid) expectations.delete(objectKey(old));
        return own.update!(old, cur);
      },
      delete(rs) {
        expectations.delete(objectKey(rs));
        return objectKey(rs);
      },
    };
    this.podEvents = enqueueOwner<Pod, ReplicaSet>({
      ownerKind: deps.kind.gvk.kind,
      owners: deps.rsLister,
      selectorOf: deps.kind.selectorOf,
      observedCreation: (key) => expectations.creationObserved(key),
      observedDeletion: (key, pod) => expectations.deletionObserved(key, objectKey(pod)),
      terminatingIsDeleted: true,
    });
  }

  sync(key: string): Promise<SyncResult> {
    return syncReplicaSet(this.deps, key);
  }
}

export function newReplicaController(kind: ReplicaKind): Controller {
  return keyedController(kind.name, 5, (ctx) => {
    const replicaSets = ctx.informers.informerFor<ReplicaSet>(kind.resource);
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    addOrphanIndex(pods);
    const controller = new ReplicaSetController({
      kind,
      client: ctx.client,
      rsLister: replicaSets,
      podLister: pods,
      recorder: ctx.recorder,
      logger: ctx.logger,
    });
    return {
      watches: [watch(replicaSets, controller.replicaSetEvents), watch(pods, controller.podEvents)],
      sync: (key) => controller.sync(key),
    };
  });
}

/** The replicaset and replicationcontroller controllers share the pod informer and this index. */
function addOrphanIndex(podInformer: Informer<Pod>): void {
  try {
    podInformer.addIndex(ORPHAN_POD_INDEX, indexOrphanPodsByNamespace);
  } catch {
    // Already added by the other replica controller: same function, nothing to do.
  }
}
