import { findResource, qualifiedResource, resources, type ResourceInfo } from '@skiff/api';
import { sleep, type EventMapper, type Informer, type InformerFactory, type KubeObject } from '@skiff/client';
import type { Logger } from '@skiff/log';
import type { ResourceDiscovery } from '@skiff/client';

/** Upstream's resync period for the collector's monitors: how soon an aggregated API's kinds are seen. */
export const MONITOR_RESYNC_MS = 30_000;
/** CRD events come in bursts (created, names accepted, established): one discovery round after the last. */
const CRD_SETTLE_MS = 300;

const crdResource = findResource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');

/**
 * Kinds whose objects may own or be owned. Events are left out: there are many, they
 * carry no ownerReferences in practice, and they expire on their own. bindings cannot be
 * listed.
 */
export function monitoredResources(all: readonly ResourceInfo[] = resources): ResourceInfo[] {
  return all.filter((res) => res.kind !== 'Event' && ['list', 'watch', 'delete'].every((verb) => res.verbs.includes(verb)));
}

export interface GraphMonitorsOptions {
  informers: Pick<InformerFactory, 'informerFor'>;
  discovery: Pick<ResourceDiscovery, 'refresh'>;
  /** Feeds one event to the graph and queues what it answers. */
  events: Required<EventMapper<KubeObject>>;
  logger: Logger;
}

/**
 * The collector's monitors, as upstream's GraphBuilder keeps them: one informer per
 * deletable kind, built-in ones from the static table at start (before the shared factory
 * starts), custom and aggregated ones from discovery as they appear — at once after a CRD
 * changes, and every 30 s for the rest. Informers of kinds that stop being served stay
 * (the shared factory has no removal); they retry quietly and resume if the kind returns.
 */
export class GraphMonitors {
  readonly #opts: GraphMonitorsOptions;
  readonly #monitored = new Map<string, Informer<KubeObject>>();
  #crdTimer: NodeJS.Timeout | undefined;

  constructor(opts: GraphMonitorsOptions) {
    this.#opts = opts;
    for (const res of monitoredResources()) if (!this.#monitored.has(qualifiedResource(res))) this.#monitor(res);
  }

  /** The informers so far (the built-in ones right after construction). */
  get informers(): Informer<KubeObject>[] {
    return [...this.#monitored.values()];
  }

  /** Rediscovers at once and every MONITOR_RESYNC_MS until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const crds = crdResource && this.#monitored.get(qualifiedResource(crdResource));
    const nudge = () => this.#afterCrdChange(signal);
    crds?.onAdd(nudge);
    crds?.onUpdate(nudge);
    crds?.onDelete(nudge);
    while (!signal.aborted) {
      await this.resync();
      await sleep(MONITOR_RESYNC_MS, signal);
    }
    clearTimeout(this.#crdTimer);
  }

  /** One discovery round; monitors every deletable kind not yet monitored. Answers the new ones. */
  async resync(): Promise<ResourceInfo[]> {
    let found: ResourceInfo[];
    try {
      found = monitoredResources((await this.#opts.discovery.refresh()).resources);
    } catch (err) {
      this.#opts.logger.warn({ err }, 'garbage collector discovery failed; monitors unchanged');
      return [];
    }
    const added = found.filter((res) => !this.#monitored.has(qualifiedResource(res)));
    for (const res of added) this.#monitor(res);
    if (added.length > 0) this.#opts.logger.info({ kinds: added.map(qualifiedResource) }, 'garbage collector monitors new kinds');
    return added;
  }

  #afterCrdChange(signal: AbortSignal): void {
    clearTimeout(this.#crdTimer);
    if (signal.aborted) return;
    this.#crdTimer = setTimeout(() => void this.resync(), CRD_SETTLE_MS);
  }

  #monitor(res: ResourceInfo): void {
    const informer = this.#opts.informers.informerFor<KubeObject>(res);
    this.#monitored.set(qualifiedResource(res), informer);
    const { events } = this.#opts;
    informer.onAdd((obj) => events.add(obj));
    informer.onUpdate((oldObj, obj) => events.update(oldObj, obj));
    informer.onDelete((obj) => events.delete(obj));
  }
}
