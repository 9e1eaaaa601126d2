import { resources, type ResourceInfo } from '@skiff/api';
import { runWorkers, WorkQueue, type Informer, type KubeObject } from '@skiff/client';
import type { Logger } from '@skiff/log';
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

async function runGarbageCollector(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
  const logger = ctx.logger.child({ controller: GARBAGE_COLLECTOR_NAME });
  const graph = new DependencyGraph();
  const deleteQueue = new WorkQueue<string>();
  const orphanQueue = new WorkQueue<string>();
  const enqueue = (changes: GraphChanges) => {
    for (const uid of changes.attemptToDelete) deleteQueue.add(uid);
    for (const uid of changes.attemptToOrphan) orphanQueue.add(uid);
  };
  // Synchronously, before the first await: the manager starts the factory afterwards.
  const informers = monitoredResources().map((res) => ctx.informers.informerFor<KubeObject>(res));
  for (const informer of informers) watchIntoGraph(informer, graph, enqueue, logger);

  if (!(await ctx.informers.waitForSync(signal))) return;
  logger.info({ kinds: informers.length, objects: graph.size }, 'garbage collector graph synced');
  const deps: GcDeps = { client: ctx.client, graph, enqueueDelete: (uid) => deleteQueue.add(uid), logger };
  const workers = ctx.config.workers[GARBAGE_COLLECTOR_NAME] ?? DEFAULT_WORKERS;
  await Promise.all([
    runWorkers({ queue: deleteQueue, sync: (uid) => attemptToDelete(deps, uid), workers, informers, signal, logger, name: `${GARBAGE_COLLECTOR_NAME}/delete` }),
    runWorkers({ queue: orphanQueue, sync: (uid) => attemptToOrphan(deps, uid), workers: Math.max(1, Math.ceil(workers / 2)), informers, signal, logger, name: `${GARBAGE_COLLECTOR_NAME}/orphan` }),
  ]);
}

/** Handlers only update the graph and enqueue uids; they never call the API and never throw. */
export function watchIntoGraph(informer: Informer<KubeObject>, graph: DependencyGraph, enqueue: (changes: GraphChanges) => void, logger: Logger): void {
  const safely = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      logger.error({ err }, 'garbage collector: graph update failed');
    }
  };
  informer.onAdd((obj) => safely(() => enqueue(graph.observe(obj))));
  informer.onUpdate((oldObj, newObj) => {
    // A resync (same resourceVersion) tells the graph nothing new.
    if (oldObj.metadata?.resourceVersion === newObj.metadata?.resourceVersion && oldObj.metadata?.uid === newObj.metadata?.uid) return;
    safely(() => {
      // A relist may show a name re-created under a new uid: the old incarnation is gone.
      if (oldObj.metadata?.uid !== newObj.metadata?.uid) enqueue(graph.remove(oldObj));
      enqueue(graph.observe(newObj));
    });
  });
  informer.onDelete((obj) => safely(() => enqueue(graph.remove(obj))));
}
