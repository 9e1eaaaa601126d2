import { findResourceByKind, type Node, type Pod } from '@skiff/api';
import { isNotFound, NODE_NAME_INDEX, objectKey, watch, type InformerCache, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { keyedController, type Controller } from '../controller.ts';
import { podsResource } from '../common/pod-control.ts';
import {
  DEFAULT_TERMINATED_POD_GC_THRESHOLD,
  GC_CHECK_PERIOD_MS,
  isPodTerminated,
  missingNodes,
  ORPHAN_QUARANTINE_MS,
  terminatedPodsToDelete,
  unscheduledTerminatingPods,
} from './gc-pods.ts';

const nodesResource = findResourceByKind('v1', 'Node')!;
/** The controller works one key: a whole pass over the caches. */
export const PODGC_KEY = 'podgc';

export interface PodGcDeps {
  client: Pick<RestClient, 'get' | 'delete' | 'patch'>;
  pods: Pick<InformerCache<Pod>, 'list' | 'byIndex'>;
  nodes: Pick<InformerCache<Node>, 'get'>;
  threshold: number;
  now: () => Date;
  logger?: Logger;
}

/**
 * kube's pod garbage collector, one pass per sync and every GC_CHECK_PERIOD_MS. Nodes seen
 * missing are remembered with the time they were first missed; past the quarantine, a GET
 * decides: NotFound, and their pods are marked Failed (DisruptionTarget, DeletionByPodGC)
 * and force-deleted.
 */
export class PodGc {
  readonly #deps: PodGcDeps;
  /** Node name → when it was first seen missing. */
  readonly #quarantine = new Map<string, number>();

  constructor(deps: PodGcDeps) {
    this.#deps = deps;
  }

  async sync(): Promise<SyncResult> {
    const { pods, threshold } = this.#deps;
    const all = pods.list();
    await this.#deleteAll(terminatedPodsToDelete(all, threshold), 'terminated pod over the threshold', false);
    const wait = await this.#gcOrphaned(all);
    await this.#deleteAll(unscheduledTerminatingPods(all), 'unscheduled terminating pod', false);
    return { requeueAfter: Math.min(GC_CHECK_PERIOD_MS, wait ?? GC_CHECK_PERIOD_MS) };
  }

  /** Answers how long until the next quarantine ends, if one is running. */
  async #gcOrphaned(all: Pod[]): Promise<number | undefined> {
    const { nodes, client } = this.#deps;
    const now = this.#deps.now().getTime();
    const missing = missingNodes(all, (name) => nodes.get(undefined, name) !== undefined);
    for (const name of this.#quarantine.keys()) if (!missing.has(name)) this.#quarantine.delete(name);
    let next: number | undefined;
    for (const name of missing) {
      const since = this.#quarantine.get(name) ?? now;
      this.#quarantine.set(name, since);
      const left = since + ORPHAN_QUARANTINE_MS - now;
      if (left > 0) {
        next = Math.min(next ?? left, left);
        continue;
      }
      try {
        await client.get<Node>(nodesResource, undefined, name);
        this.#quarantine.delete(name); // it exists: the cache was behind
        continue;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.#quarantine.delete(name);
      const orphans = this.#deps.pods.byIndex(NODE_NAME_INDEX, name);
      await this.#deleteAll(orphans, `pod of deleted node ${name}`, true);
    }
    return next;
  }

  async #deleteAll(victims: readonly Pod[], why: string, markFailed: boolean): Promise<void> {
    const errors: unknown[] = [];
    await Promise.all(
      victims.map(async (pod) => {
        try {
          if (markFailed && !isPodTerminated(pod)) await this.#markFailed(pod);
          this.#deps.logger?.info({ pod: objectKey(pod) }, `PodGC is force deleting ${why}`);
          await this.#deps.client.delete(podsResource, pod.metadata?.namespace, pod.metadata?.name ?? '', { gracePeriodSeconds: 0 });
        } catch (err) {
          if (!isNotFound(err)) errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }

  /** As upstream: the pod ends Failed with a DisruptionTarget condition saying why, so its controller can tell. */
  async #markFailed(pod: Pod): Promise<void> {
    const now = this.#deps
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    await this.#deps.client.patch(
      podsResource,
      pod.metadata?.namespace,
      pod.metadata?.name ?? '',
      'strategic',
      {
        status: {
          phase: 'Failed',
          conditions: [
            { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: now },
          ],
        },
      },
      { subresource: 'status' },
    );
  }
}

export function newPodGcController(): Controller {
  return keyedController('podgc', 1, (ctx) => {
    const pods = ctx.informers.informerFor<Pod>(podsResource);
    const nodes = ctx.informers.informerFor<Node>(nodesResource);
    const gc = new PodGc({
      client: ctx.client,
      pods,
      nodes,
      now: () => new Date(),
      logger: ctx.logger,
      threshold: ctx.config.terminatedPodGcThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD,
    });
    // A node's deletion starts a quarantine at once; otherwise the pass runs on its period.
    return {
      watches: [watch(nodes, { add: () => PODGC_KEY, delete: () => PODGC_KEY })],
      reads: [pods],
      sync: () => gc.sync(),
    };
  });
}
