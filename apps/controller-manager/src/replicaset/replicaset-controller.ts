import { findResourceByKind, fromLabelSelector, type Pod, type ReplicaSet } from '@skiff/api';
import { objectKey, runWorkers, WorkQueue, type Informer, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import type { Controller, ControllerContext } from '../controller.ts';
import { getControllerOf } from '../common/controller-ref.ts';
import { ControllerExpectations } from '../common/expectations.ts';
import { podsResource } from '../common/pod-control.ts';
import { indexOrphanPodsByNamespace, ORPHAN_POD_INDEX, syncReplicaSet, type Lister, type SyncDeps } from './sync.ts';
import type { ReplicaKind } from './util.ts';

export const replicaSetKind: ReplicaKind = {
  name: 'replicaset',
  resource: findResourceByKind('apps/v1', 'ReplicaSet')!,
  gvk: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  selectorOf: (rs) => fromLabelSelector(rs.spec?.selector),
};

export function newReplicaSetController(): Controller {
  return { name: replicaSetKind.name, run: (ctx, signal) => runReplicaController(replicaSetKind, ctx, signal) };
}

/**
 * Event handling for ReplicaSets (and ReplicationControllers through their ReplicaKind):
 * handlers only work out which RS a change concerns, note observed creations/deletions
 * in the expectations, and enqueue its key; syncReplicaSet does the work.
 */
export class ReplicaSetController {
  readonly queue = new WorkQueue<string>();
  readonly deps: SyncDeps;

  constructor(deps: Omit<SyncDeps, 'expectations' | 'now'> & Partial<Pick<SyncDeps, 'expectations' | 'now'>>) {
    this.deps = { ...deps, expectations: deps.expectations ?? new ControllerExpectations(), now: deps.now ?? (() => new Date()) };
  }

  sync(key: string): Promise<SyncResult> {
    return syncReplicaSet(this.deps, key);
  }

  /** Wires the handlers to informers (the listers the deps read must be these informers). */
  register(rsInformer: Informer<ReplicaSet>, podInformer: Informer<Pod>): void {
    rsInformer.onAdd((rs) => this.enqueue(rs));
    rsInformer.onUpdate((old, cur) => this.updateReplicaSet(old, cur));
    rsInformer.onDelete((rs) => this.deleteReplicaSet(rs));
    podInformer.onAdd((pod) => this.addPod(pod));
    podInformer.onUpdate((old, cur) => this.updatePod(old, cur));
    podInformer.onDelete((pod) => this.deletePod(pod));
  }

  enqueue(rs: ReplicaSet): void {
    this.queue.add(objectKey(rs));
  }

  updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    // Deleted and recreated under the same name: what we expected was for the old one.
    if (old.metadata?.uid !== cur.metadata?.uid) this.deps.expectations.delete(objectKey(old));
    this.enqueue(cur);
  }

  deleteReplicaSet(rs: ReplicaSet): void {
    this.deps.expectations.delete(objectKey(rs));
    this.enqueue(rs);
  }

  addPod(pod: Pod): void {
    // Seen for the first time already terminating (e.g. after a relist): a deletion.
    if (pod.metadata?.deletionTimestamp) return this.deletePod(pod);
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace, ref);
      if (!rs) return;
      this.deps.expectations.creationObserved(objectKey(rs));
      return this.enqueue(rs);
    }
    // An orphan: every RS that selects it may want to adopt it.
    for (const rs of this.replicaSetsSelecting(pod)) this.enqueue(rs);
  }

  updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = !sameLabels(old.metadata?.labels, cur.metadata?.labels);
    if (cur.metadata?.deletionTimestamp) {
      // Graceful deletion began: replace the pod now rather than when the kubelet is done.
      this.deletePod(cur);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = curRef?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(old.metadata?.namespace, oldRef);
      if (rs) this.enqueue(rs);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata?.namespace, curRef);
      if (rs) this.enqueue(rs);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.replicaSetsSelecting(cur)) this.enqueue(rs);
  }

  deletePod(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const rs = this.resolveControllerRef(pod.metadata?.namespace, ref);
    if (!rs) return;
    this.deps.expectations.deletionObserved(objectKey(rs), objectKey(pod));
    this.enqueue(rs);
  }

  /** The RS a controllerRef points at, if it is of our kind and still the same object (UID). */
  resolveControllerRef(namespace: string | undefined, ref: { kind: string; name: string; uid: string }): ReplicaSet | undefined {
    if (ref.kind !== this.deps.kind.gvk.kind) return undefined;
    const rs = this.deps.rsLister.get(namespace, ref.name);
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets of the pod's namespace whose (non-empty, valid) selector matches it. */
  replicaSetsSelecting(pod: Pod): ReplicaSet[] {
    const labels = pod.metadata?.labels ?? {};
    return this.deps.rsLister.list(pod.metadata?.namespace ?? '').filter((rs) => {
      try {
        const selector = this.deps.kind.selectorOf(rs);
        return !selector.empty && selector.matches(labels);
      } catch {
        return false;
      }
    });
  }
}

/**
 * The run loop shared by the replicaset and replicationcontroller controllers: shared
 * informers (asked for before the first await, as the manager requires), handlers,
 * cache sync, then workers until the signal aborts.
 */
export async function runReplicaController(kind: ReplicaKind, ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const rsInformer = ctx.informers.informerFor<ReplicaSet>(kind.resource);
  const podInformer = ctx.informers.informerFor<Pod>(podsResource);
  addOrphanIndex(podInformer);
  const logger: Logger = ctx.logger.child({ controller: kind.name });
  const controller = new ReplicaSetController({
    kind,
    client: ctx.client,
    rsLister: rsInformer as Lister<ReplicaSet>,
    podLister: podInformer as Lister<Pod>,
    recorder: ctx.recorder,
    logger,
  });
  controller.register(rsInformer, podInformer);
  if (!(await ctx.informers.waitForSync(signal))) return;
  await runWorkers({
    queue: controller.queue,
    sync: (key) => controller.sync(key),
    workers: ctx.config.workers[kind.name] ?? 5,
    informers: [rsInformer, podInformer],
    signal,
    logger,
    name: kind.name,
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

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ea = Object.entries(a ?? {});
  if (ea.length !== Object.keys(b ?? {}).length) return false;
  return ea.every(([k, v]) => b?.[k] === v);
}
