import type { Node } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { BoundedSync } from '../bounded-sync.ts';
import type { ProxyInformer } from '../proxier.ts';
import { desiredRoutes } from './host-gw.ts';
import type { RouteTable } from './route-table.ts';

export interface RouteSyncerOptions {
  nodeName: string;
  /** --cluster-cidr: pod ranges outside it are not routed. */
  clusterCIDR?: string;
  nodes: ProxyInformer<Node>;
  table: Pick<RouteTable, 'sync'>;
  minSyncPeriodMs: number;
  /** Re-checks the kernel this often even without Node events (someone may flush routes). */
  resyncPeriodMs?: number;
  logger: Logger;
}

/**
 * Keeps this node's pod routes in step with the Node objects: any Node event asks for a
 * sync, syncs are coalesced like the proxier's, and each one recomputes everything from the
 * cache. A node the kernel refuses a route to is logged and retried on the next resync.
 */
export class RouteSyncer {
  readonly #opts: RouteSyncerOptions;
  readonly #runner: BoundedSync;
  #timer: NodeJS.Timeout | undefined;
  #syncs = 0;

  constructor(opts: RouteSyncerOptions) {
    this.#opts = opts;
    this.#runner = new BoundedSync(
      () => this.sync(),
      opts.minSyncPeriodMs,
      (err) => {
        opts.logger.error({ err }, 'sync pod routes failed; retrying');
      },
    );
    const request = () => this.#runner.request();
    opts.nodes.onAdd(request);
    opts.nodes.onUpdate(request);
    opts.nodes.onDelete(request);
  }

  get syncCount(): number {
    return this.#syncs;
  }

  /** Starts the first sync and the periodic re-check. */
  start(): void {
    this.#runner.request();
    this.#timer = setInterval(() => this.#runner.request(), this.#opts.resyncPeriodMs ?? 30_000);
    this.#timer.unref();
  }

  async sync(): Promise<void> {
    const desired = desiredRoutes(this.#opts.nodes.list(), this.#opts.nodeName, this.#opts.clusterCIDR);
    const { lines, errors } = await this.#opts.table.sync(desired);
    this.#syncs++;
    if (lines.length > 0) this.#opts.logger.info({ changes: lines, routes: desired.length }, 'updated pod routes');
    if (errors) this.#opts.logger.warn({ errors }, 'some pod routes were refused (is every node on a directly connected network?)');
  }

  stop(): Promise<void> {
    clearInterval(this.#timer);
    return this.#runner.stop();
  }
}
