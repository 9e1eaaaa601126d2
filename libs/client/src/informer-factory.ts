import type { ResourceInfo } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { Informer } from './informer.ts';
import { waitForCacheSync } from './run-workers.ts';
import type { KubeObject, RestClient } from './rest-client.ts';

export interface InformerFactoryOptions {
  /** Resync period handed to every informer (0/absent: never). */
  resyncPeriodMs?: number;
  logger?: Logger;
}

export interface InformerScope {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * One informer per (resource, namespace, selectors), shared by every controller that
 * asks, like client-go's SharedInformerFactory: ten controllers watching pods cost one
 * list and one watch, not ten. Informers asked for after start() start at once.
 */
export class InformerFactory {
  readonly #client: Pick<RestClient, 'list' | 'watch'>;
  readonly #opts: InformerFactoryOptions;
  readonly #informers = new Map<string, Informer<KubeObject>>();
  #signal: AbortSignal | undefined;

  constructor(client: Pick<RestClient, 'list' | 'watch'>, opts: InformerFactoryOptions = {}) {
    this.#client = client;
    this.#opts = opts;
  }

  informerFor<T extends KubeObject>(res: ResourceInfo, scope: InformerScope = {}): Informer<T> {
    const key = informerKey(res, scope);
    let informer = this.#informers.get(key);
    if (!informer) {
      informer = new Informer<KubeObject>({
        client: this.#client,
        resource: res,
        namespace: scope.namespace,
        labelSelector: scope.labelSelector,
        fieldSelector: scope.fieldSelector,
        resyncPeriodMs: this.#opts.resyncPeriodMs,
        logger: this.#opts.logger,
      });
      this.#informers.set(key, informer);
      if (this.#signal && !this.#signal.aborted) informer.start(this.#signal);
    }
    return informer as unknown as Informer<T>;
  }

  /** Starts every informer made so far, and any made later; the signal stops them all. */
  start(signal: AbortSignal): void {
    this.#signal = signal;
    for (const informer of this.#informers.values()) informer.start(signal);
  }

  /** True once every informer made so far has listed; false when the signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    return waitForCacheSync([...this.#informers.values()], signal);
  }

  /** How many distinct informers exist (for tests and metrics). */
  get size(): number {
    return this.#informers.size;
  }
}

/** Group, resource and scope; empty scope fields mean the same as absent ones. */
function informerKey(res: ResourceInfo, scope: InformerScope): string {
  return JSON.stringify([res.group, res.version, res.resource, scope.namespace ?? '', scope.labelSelector ?? '', scope.fieldSelector ?? '']);
}
