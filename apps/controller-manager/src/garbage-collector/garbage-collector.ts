import { ControllerRunner, waitForCacheSync, type EventMapper, type Keys, type KubeObject } from '@skiff/client';
import type { Logger } from '@skiff/log';
import type { Controller, ControllerContext } from '../controller.ts';
import { DEFAULT_WORKERS } from '../config.ts';
import { DependencyGraph, type GraphChanges } from './dependency-graph.ts';
import { attemptToDelete, type GcDeps } from './attempt-to-delete.ts';
import { attemptToOrphan } from './attempt-to-orphan.ts';
import { GraphMonitors } from './graph-monitors.ts';
import { kindResolver } from './object-access.ts';
import { ResourceDiscovery } from '@skiff/client';

export const GARBAGE_COLLECTOR_NAME = 'garbage-collector';

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
  const discovery = new ResourceDiscovery(ctx.client);
  const deps: GcDeps = { client: ctx.client, graph, resolve: kindResolver(discovery), enqueueDelete: (uid) => deleter.enqueue(uid), logger };
  const workers = ctx.config.workers[GARBAGE_COLLECTOR_NAME] ?? DEFAULT_WORKERS;
  const orphaner = new ControllerRunner({
    name: `${GARBAGE_COLLECTOR_NAME}/orphan`,
    watches: [],
    sync: (uid) => attemptToOrphan(deps, uid),
    workers: Math.max(1, Math.ceil(workers / 2)),
    logger,
  });
  const deleter = new ControllerRunner({
    name: `${GARBAGE_COLLECTOR_NAME}/delete`,
    watches: [],
    sync: (uid) => attemptToDelete(deps, uid),
    workers,
    logger,
  });
  const events = queueing(
    graphEvents(graph, (uids) => orphaner.enqueue(uids)),
    (uids) => deleter.enqueue(uids),
    logger,
  );
  // Synchronously, before the first await: the manager starts the factory afterwards.
  const monitors = new GraphMonitors({ informers: ctx.informers, discovery, events, logger });
  // The built-in kinds make the graph trustworthy enough to act; kinds discovered later join as they sync.
  if (!(await waitForCacheSync(monitors.informers, signal))) return;
  logger.info({ kinds: monitors.informers.length, objects: graph.size }, 'garbage collector graph synced');
  await Promise.all([monitors.run(signal), deleter.run(signal), orphaner.run(signal)]);
}

/** Informer handlers that feed the graph and queue what it answers; never throw (a failing event is logged and dropped). */
function queueing(mapper: EventMapper<KubeObject>, enqueue: (uids: string[]) => void, logger: Logger): Required<EventMapper<KubeObject>> {
  const route = (event: string, map: () => Keys) => {
    try {
      const keys = map();
      if (keys) enqueue(typeof keys === 'string' ? [keys] : [...keys]);
    } catch (err) {
      logger.warn({ err, event }, 'garbage collector event handler failed; dropping event');
    }
  };
  return {
    add: (obj) => route('add', () => mapper.add?.(obj)),
    update: (oldObj, obj) => route('update', () => mapper.update?.(oldObj, obj)),
    delete: (obj) => route('delete', () => mapper.delete?.(obj)),
  };
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
