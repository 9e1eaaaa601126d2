/**
 * disruption: keeps every PodDisruptionBudget's status (observedGeneration, currentHealthy,
 * desiredHealthy, disruptionsAllowed, expectedPods, disruptedPods and the DisruptionAllowed
 * condition) exact, as pkg/controller/disruption does; the eviction subresource reads it to admit
 * or refuse evictions. Two loops: budgets (keys `ns/name`, queued by their own changes, by
 * changes of the pods they select and by a workload's scale changing), and pods whose
 * DisruptionTarget condition went stale (stale-disruption.ts).
 */
import {
  findResourceByKind,
  fromLabelSelector,
  type Deployment,
  type Pod,
  type PodDisruptionBudget,
  type ReplicaSet,
  type ReplicationController,
  type StatefulSet,
} from '@skiff/api';
import { ControllerRunner, enqueueObject, objectKey, ResourceDiscovery, watch, type EventMapper, type Informer, type KubeObject } from '@skiff/client';
import type { Controller } from '../controller.ts';
import { podsResource } from '../common/pod-control.ts';
import { firstFinder, workloadFinders } from './controller-finders.ts';
import { pdbResource, syncPdb, type PdbSyncDeps } from './pdb-syncer.ts';
import { scaleSubresourceFinder } from './scale-finder.ts';
import { staleDisruptionWait, syncStalePodDisruption } from './stale-disruption.ts';

const NAME = 'disruption';

/** The budgets in the pod's namespace whose selector matches any of the given label sets. */
function budgetsSelecting(pdbs: Informer<PodDisruptionBudget>, namespace: string, ...labelSets: (Record<string, string> | undefined)[]): string[] {
  return pdbs
    .list(namespace)
    .filter((pdb) => {
      try {
        const selector = fromLabelSelector(pdb.spec?.selector);
        return labelSets.some((labels) => selector.matches(labels ?? {}));
      } catch {
        return false; // An invalid selector selects nothing; its own sync reports it.
      }
    })
    .map((pdb) => objectKey(pdb)!);
}

function podEvents(pdbs: Informer<PodDisruptionBudget>): EventMapper<Pod> {
  const keysOf = (pod: Pod) => budgetsSelecting(pdbs, pod.metadata?.namespace ?? '', pod.metadata?.labels);
  return {
    add: keysOf,
    update: (old, pod) =>
      old.metadata?.resourceVersion === pod.metadata?.resourceVersion
        ? undefined
        : budgetsSelecting(pdbs, pod.metadata?.namespace ?? '', old.metadata?.labels, pod.metadata?.labels),
    delete: keysOf,
  };
}

/** A workload whose scale moved changes the expected count of the budgets over its pods: requeue its namespace's. */
function scaleEvents<T extends KubeObject & { spec?: { replicas?: number } }>(pdbs: Informer<PodDisruptionBudget>): EventMapper<T> {
  const all = (obj: T) => pdbs.list(obj.metadata?.namespace ?? '').map((pdb) => objectKey(pdb)!);
  return {
    add: all,
    update: (old, cur) => (old.spec?.replicas === cur.spec?.replicas ? undefined : all(cur)),
    delete: all,
  };
}

export function newDisruptionController(): Controller {
  return {
    name: NAME,
    async run(ctx, signal) {
      const pdbs = ctx.informers.informerFor<PodDisruptionBudget>(pdbResource);
      const pods = ctx.informers.informerFor<Pod>(podsResource);
      const replicaSets = ctx.informers.informerFor<ReplicaSet>(findResourceByKind('apps/v1', 'ReplicaSet')!);
      const deployments = ctx.informers.informerFor<Deployment>(findResourceByKind('apps/v1', 'Deployment')!);
      const statefulSets = ctx.informers.informerFor<StatefulSet>(findResourceByKind('apps/v1', 'StatefulSet')!);
      const replicationControllers = ctx.informers.informerFor<ReplicationController>(findResourceByKind('v1', 'ReplicationController')!);
      const discovery = new ResourceDiscovery(ctx.client);
      const now = () => new Date();
      const deps: PdbSyncDeps = {
        client: ctx.client,
        pdbs,
        pods,
        recorder: ctx.recorder,
        logger: ctx.logger,
        now,
        findScale: firstFinder([
          ...workloadFinders({ replicationControllers, replicaSets, deployments, statefulSets }),
          scaleSubresourceFinder({ client: ctx.client, resolveKind: (apiVersion, kind) => discovery.resolveKind(apiVersion, kind) }),
        ]),
      };
      const budgets = new ControllerRunner({
        name: NAME,
        watches: [
          watch(pdbs, enqueueObject<PodDisruptionBudget>()),
          watch(pods, podEvents(pdbs)),
          watch(replicaSets, scaleEvents<ReplicaSet>(pdbs)),
          watch(deployments, scaleEvents<Deployment>(pdbs)),
          watch(statefulSets, scaleEvents<StatefulSet>(pdbs)),
          watch(replicationControllers, scaleEvents<ReplicationController>(pdbs)),
        ],
        sync: (key) => syncPdb(deps, key),
        workers: ctx.config.workers?.[NAME] ?? 1,
        logger: ctx.logger,
      });
      const stalePodOf = (pod: Pod) => (staleDisruptionWait(pod, Date.now()) === undefined ? undefined : objectKey(pod));
      const stalePods = new ControllerRunner({
        name: `${NAME}/stale-pod-disruption`,
        watches: [watch(pods, { add: stalePodOf, update: (_old, pod) => stalePodOf(pod) })],
        sync: (key) => syncStalePodDisruption({ client: ctx.client, pods, logger: ctx.logger, now }, key),
        logger: ctx.logger,
      });
      await Promise.all([budgets.run(signal), stalePods.run(signal)]);
    },
  };
}
