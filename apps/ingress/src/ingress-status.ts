/**
 * `status.loadBalancer.ingress` of every served Ingress = the InternalIP of every Ready node, since
 * every node runs this controller on :80/:443. One writer at a time: only the holder of the Lease
 * kube-system/skiff-ingress writes, and only what differs, so N nodes do not race N updates.
 */
import { compareIpv4, findResourceByKind, isNodeReady, type Ingress, type Node } from '@skiff/api';
import { LeaderElector, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';

export const STATUS_LEASE = { namespace: 'kube-system', name: 'skiff-ingress' };
const INGRESSES = findResourceByKind('networking.k8s.io/v1', 'Ingress')!;

type LoadBalancerIngress = { ip: string };

/** Sorted InternalIPs of Ready nodes, as the status wants them: `[{ ip: '192.168.56.11' }, ...]`. */
export function statusAddresses(nodes: readonly Node[]): LoadBalancerIngress[] {
  const ips = new Set<string>();
  for (const node of nodes) {
    if (!isNodeReady(node)) continue;
    for (const a of node.status?.addresses ?? []) if (a.type === 'InternalIP') ips.add(a.address);
  }
  return [...ips].sort(compareIpv4).map((ip) => ({ ip }));
}

export function statusChanged(ing: Ingress, want: readonly LoadBalancerIngress[]): boolean {
  const have = ing.status?.loadBalancer?.ingress ?? [];
  return have.length !== want.length || have.some((x, i) => (x.ip ?? '') !== want[i]!.ip || x.hostname !== undefined);
}

export interface StatusWriterOptions {
  client: RestClient;
  identity: string;
  /** What to write now: the served Ingresses and the nodes, read from the caches. */
  read: () => { ingresses: readonly Ingress[]; nodes: readonly Node[] };
  logger: Logger;
  /** Re-check everything this often while leading (a failed write is retried then). */
  resyncMs?: number;
}

export class IngressStatusWriter {
  readonly #opts: StatusWriterOptions;
  #leading = false;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(opts: StatusWriterOptions) {
    this.#opts = opts;
  }

  /** Campaigns for the lease until the signal aborts, syncing on taking it and every resync while leading. */
  async run(signal: AbortSignal): Promise<void> {
    const elector = new LeaderElector({
      client: this.#opts.client,
      ...STATUS_LEASE,
      identity: this.#opts.identity,
      logger: this.#opts.logger,
      onStartedLeading: async (leading) => {
        this.#leading = true;
        const timer = setInterval(() => this.trigger(), this.#opts.resyncMs ?? 30_000);
        leading.addEventListener(
          'abort',
          () => {
            this.#leading = false;
            clearInterval(timer);
          },
          { once: true },
        );
        this.trigger();
      },
    });
    while (!signal.aborted) await elector.run(signal);
  }

  /** Something changed: sync soon; passes never overlap, one more runs if asked during one. */
  trigger(): void {
    if (!this.#leading) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#sync().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.trigger();
      }
    });
  }

  async #sync(): Promise<void> {
    const { ingresses, nodes } = this.#opts.read();
    const want = statusAddresses(nodes);
    for (const ing of ingresses) {
      if (!this.#leading) return;
      if (!statusChanged(ing, want)) continue;
      const key = `${ing.metadata?.namespace}/${ing.metadata?.name}`;
      const next = structuredClone(ing) as Ingress;
      next.status = { ...next.status, loadBalancer: { ingress: want } };
      try {
        await this.#opts.client.update<Ingress>(INGRESSES, next, { subresource: 'status' });
        this.#opts.logger.info({ ingress: key, addresses: want.map((a) => a.ip) }, 'ingress status updated');
      } catch (err) {
        // A conflict means a newer object is on its way through the watch, which triggers us again.
        this.#opts.logger.warn({ ingress: key, err }, 'ingress status update failed; will retry');
      }
    }
  }
}
