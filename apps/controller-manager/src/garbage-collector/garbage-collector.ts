import { resources, type ResourceInfo } from '@skiff/api';
import { ControllerRunner, waitForCacheSync, watch, type EventMapper, type KubeObject } from '@skiff/client';
import type { Controller, ControllerContext } from '../controller.ts';
import { DEFAULT_WORKERS } from '../config.ts';
import { DependencyGraph, type GraphChanges } from './dependency-graph.ts';
import { attemptToDelete, type GcDeps } from './attempt-to-delete.ts';
import { attemptToOrphan } from './attempt-to-orphan.ts';

export const GARBAGE_COLLECTOR_NAME = 'garbage-collector';

/**
 * Kinds whose objects may own or be owned. Events are left out: there are many, they
 * carry no ownerReferences in practice, and they expire on their own. bindings cannot be
 * listed.
 */
export function monitoredResources(all: readonly ResourceInfo[] = resources): ResourceInfo[] {
  return all.filter((res) =>
    res.kind !== 'Event' && ['list', 'watch', 'delete'].every((verb) => res.verbs.includes(verb)));
}

/**
 * Kubernetes' garbage collector: informers on every monitored kind feed a dependency
 * graph (uid → owners, owner uid → dependents); two queues act on what changes:
 * attempt-to-delete (dangling dependents, foreground deletion) and attempt-to-orphan
 * (owners deleted with propagationPolicy=Orphan). Background deletion needs no finalizer:
 * the owner is removed at once and its delete event puts the dependents on the queue.
 */
export function newGarbageCollector(): Controller {
  return {
    name: GARBAGE_COLLECTOR_NAME,
    run: (ctx, signal) => runGarbageCollector(ctx, signal),
  };
}

/**
 * Not one keyed controller but two runners on one graph: every informer event updates the
 * graph, whose changes feed both queues, so the events are watched by the delete runner and
 * hand their orphan uids to the other one.
 */
async function runGarbageCollector(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const { logger } = ctx;
  const graph = new DependencyGraph();
  // Synchronously, before the first await: the manager starts the factory afterwards.
  const informers = monitoredResources().map((res) => ctx.informers.informerFor<KubeObject>(res));
  const deps: GcDeps = { client: ctx.client, graph, enqueueDelete: (uid) => deleter.enqueue(uid), logger };
  const workers = ctx.config.workers[GARBAGE_COLLECTOR_NAME] ?? DEFAULT_WORKERS;
  const orphaner = new ControllerRunner({
    name: `${GARBAGE_COLLECTOR_NAME}/orphan`, watches: [], reads: informers, sync: (uid) => attemptToOrphan(deps, uid), workers: Math.max(1, Math.ceil(workers / 2)), logger,
  });
  const events = graphEvents(graph, (uids) => orphaner.enqueue(uids));
  const deleter = new ControllerRunner({
    name: `${GARBAGE_COLLECTOR_NAME}/delete`, watches: informers.map((i) => watch(i, events)), sync: (uid) => attemptToDelete(deps, uid), workers, logger,
  });
  if (!(await waitForCacheSync(informers, signal))) return;
  logger.info({ kinds: informers.length, objects: graph.size }, 'garbage collector graph synced');
  await Promise.all([deleter.run(signal), orphaner.run(signal)]);
}

/**
 * Events only update the graph and answer the uids to attempt to delete; the uids to
 * orphan go to `enqueueOrphan`. They never call the API.
 */
export function graphEvents(graph: DependencyGraph, enqueueOrphan: (uids: string[]) => void): EventMapper<KubeObject> {
  const apply = (changes: GraphChanges) => {
    enqueueOrphan(changes.attemptToOrphan);
    return changes.attemptToDelete;
  };
  return {
    add: (obj) => apply(graph.observe(obj)),
    update(oldObj, newObj) {
      // A resync (same resourceVersion) tells the graph nothing new.
      if (oldObj.metadata?.resourceVersion === newObj.metadata?.resourceVersion && oldObj.metadata?.uid === newObj.metadata?.uid) return undefined;
      // A relist may show a name re-created under a new uid: the old incarnation is gone.
      const retired = oldObj.metadata?.uid !== newObj.metadata?.uid ? apply(graph.remove(oldObj)) : [];
      return [...retired, ...apply(graph.observe(newObj))];
    },
    delete: (obj) => apply(graph.remove(obj)),
  };
}
