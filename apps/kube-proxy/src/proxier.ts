import type { EndpointSlice, Node, Service } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { runCommand, type CommandResult } from '@skiff/netfilter';
import { BoundedSync } from './bounded-sync.ts';
import { buildProxyState, findStaleUdpFlows, udpEndpointsByClusterIP } from './build-proxy-state.ts';
import { countRules, type ProxyMetrics } from './metrics.ts';
import type { ProxyOptions, ProxyState } from './proxy-state.ts';
import { renderRulesWithChains, type RenderedChains } from './render-rules.ts';
import { serviceHealthChecks, type ServiceHealthServer } from './service-health-server.ts';

/** What the proxier needs of an informer (libs/client's Informer fits). */
export interface ProxyInformer<T> {
  list(): T[];
  onAdd(handler: (obj: T) => void): void;
  onUpdate(handler: (oldObj: T, newObj: T) => void): void;
  onDelete(handler: (obj: T) => void): void;
}

/** What the proxier needs of Iptables. */
export interface RuleApplier {
  apply(payload: string): Promise<boolean>;
}

export interface ProxierOptions {
  nodeName: string;
  services: ProxyInformer<Service>;
  slices: ProxyInformer<EndpointSlice>;
  nodes: ProxyInformer<Node>;
  iptables: RuleApplier;
  clusterCIDR?: string;
  options?: ProxyOptions;
  minSyncPeriodMs: number;
  logger: Logger;
  metrics?: ProxyMetrics;
  /** Health checks of Local load balancers; absent: none served. */
  healthServer?: Pick<ServiceHealthServer, 'sync'>;
  /** `conntrack` runner; tests record calls instead. */
  conntrack?: (args: string[]) => Promise<CommandResult>;
}

/**
 * The iptables proxier: any change to a Service, EndpointSlice or this Node asks for a
 * sync; syncs are bounded to one per min period and coalesced. A sync reads the caches,
 * never the event, renders the whole payload and applies it in one restore.
 */
export class Proxier {
  readonly #opts: ProxierOptions;
  readonly #runner: BoundedSync;
  #chains: RenderedChains | undefined;
  #udp = new Map<string, Set<string>>();
  #syncs = 0;

  constructor(opts: ProxierOptions) {
    this.#opts = opts;
    this.#runner = new BoundedSync(
      () => this.sync(),
      opts.minSyncPeriodMs,
      (err) => {
        opts.metrics?.syncFailures.inc();
        opts.logger.error({ err }, 'sync proxy rules failed; retrying');
      },
    );
    const request = () => this.#runner.request();
    opts.services.onAdd(request);
    opts.services.onUpdate(request);
    opts.services.onDelete(request);
    opts.slices.onAdd(request);
    opts.slices.onUpdate(request);
    opts.slices.onDelete(request);
    const ownNode = (n: Node) => n.metadata?.name === opts.nodeName;
    opts.nodes.onAdd((n) => ownNode(n) && request());
    opts.nodes.onUpdate((_, n) => ownNode(n) && request());
    opts.nodes.onDelete((n) => ownNode(n) && request());
  }

  /** Asks for a sync soon (e.g. once caches have synced). */
  requestSync(): void {
    this.#runner.request();
  }

  /** Completed syncs, for tests and logs. */
  get syncCount(): number {
    return this.#syncs;
  }

  /** The state the next sync would render, from the caches. */
  buildState(): ProxyState {
    const o = this.#opts;
    return buildProxyState({
      services: o.services.list(),
      slices: o.slices.list(),
      node: o.nodes.list().find((n) => n.metadata?.name === o.nodeName),
      nodeName: o.nodeName,
      clusterCIDR: o.clusterCIDR,
      options: o.options,
      previousChains: this.#chains,
    });
  }

  /** One full sync; throws on failure (the runner retries). */
  async sync(): Promise<void> {
    const started = performance.now();
    const state = this.buildState();
    const { payload, chains } = renderRulesWithChains(state);
    const restored = await this.#opts.iptables.apply(payload);
    this.#chains = chains;
    await this.#opts.healthServer?.sync(serviceHealthChecks(state));
    const udp = udpEndpointsByClusterIP(state);
    const stale = findStaleUdpFlows(this.#udp, udp);
    this.#udp = udp;
    for (const flow of stale) await this.#clearConntrack(flow.clusterIP, flow.endpointIP);
    this.#syncs++;
    const seconds = (performance.now() - started) / 1000;
    const m = this.#opts.metrics;
    if (m) {
      m.syncDuration.observe(seconds);
      m.lastSyncTimestamp.set(Date.now() / 1000);
      const counts = countRules(payload);
      m.rulesTotal.set({ table: 'nat' }, counts.nat);
      m.rulesTotal.set({ table: 'filter' }, counts.filter);
    }
    this.#opts.logger.debug({ restored, seconds, staleUdpFlows: stale.length }, 'synced proxy rules');
  }

  /** Stops syncing; resolves after a sync in progress finished. */
  stop(): Promise<void> {
    return this.#runner.stop();
  }

  async #clearConntrack(clusterIP: string, endpointIP: string): Promise<void> {
    const run = this.#opts.conntrack ?? ((args: string[]) => runCommand('conntrack', args));
    try {
      const r = await run(['-D', '-p', 'udp', '--orig-dst', clusterIP, '--dst-nat', endpointIP]);
      // conntrack exits 1 with "0 flow entries have been deleted" when there was nothing: fine.
      if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) {
        this.#opts.logger.warn({ clusterIP, endpointIP, stderr: r.stderr.trim() }, 'conntrack delete failed');
      }
    } catch (err) {
      this.#opts.logger.warn({ err, clusterIP, endpointIP }, 'conntrack unavailable');
    }
  }
}
