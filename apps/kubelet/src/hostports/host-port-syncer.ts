/**
 * Keeps the node's hostPort rules equal to the running pods' mappings (the CNI portmap plugin's
 * job, done as a level-triggered syncer). A sync reads the pods bound here from the kubelet's cache
 * and each one's ready sandbox address from the runtime, renders the whole rule set and restores
 * it when it changed; a periodic resync restores it regardless (someone may have flushed nat) and
 * re-checks the jumps. Syncs never overlap; requests during one collapse into one more pass.
 */
import type { Pod } from '@skiff/api';
import type { Logger } from '@skiff/log';
import { LABEL_POD_UID, type ContainerRuntime } from '../container-runtime.ts';
import type { PodEvent } from '../pod-sync/sync-pod.ts';
import type { HostPortIptables } from './host-port-iptables.ts';
import { getPortMappings, hostPortKey, wantsHostPorts, type PortMapping } from './port-mappings.ts';
import { renderHostPortRules } from './render-host-port-rules.ts';

export const HOSTPORT_RESYNC_MS = 30_000;

export interface HostPortSyncerOptions {
  logger: Logger;
  /** The pods bound to this node (the kubelet's informer cache). */
  listPods: () => readonly Pod[];
  runtime: Pick<ContainerRuntime, 'listPodSandboxes' | 'podSandboxStatus'>;
  /** The node's pod CIDR as applied ('' until known). */
  podCidr: () => string;
  iptables: HostPortIptables;
  recordEvent?: (pod: Pod, ev: PodEvent) => void;
  /** Puts the pod bridge's ports in hairpin mode (hairpin-mode.ts); absent: left as they are. */
  enableHairpin?: () => Promise<void>;
  /** Called after each sync pass (metrics). */
  onSync?: (result: 'success' | 'error', mappings: number) => void;
  resyncMs?: number;
}

export class HostPortSyncer {
  readonly #opts: HostPortSyncerOptions;
  #running: Promise<void> | undefined;
  #pending = false;
  #force = true;
  /** Requests before run() are dropped: a sync from a half-listed cache would unpublish pods. */
  #started = false;
  /** What the last successful sync applied; undefined: nothing yet (the chains on the node are unknown). */
  #applied: { payload: string; chains: string[]; udp: Map<string, string> } | undefined;
  /** Set while syncs fail, so a failure streak records one event per pod, not one per pass. */
  #failing = false;

  constructor(opts: HostPortSyncerOptions) {
    this.#opts = opts;
  }

  /** A pod event: syncs when the pod has (or had) hostPorts. */
  podChanged(pod: Pod, old?: Pod): void {
    if (wantsHostPorts(pod) || (old && wantsHostPorts(old))) this.request();
  }

  /** Schedules a sync now, or right after the one running. */
  request(force = false): void {
    if (!this.#started) return;
    this.#force ||= force;
    if (this.#running) {
      this.#pending = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /** Periodic forced resyncs until `signal` aborts; resolves once the last sync finished. */
  async run(signal: AbortSignal): Promise<void> {
    this.#started = true;
    this.request(true);
    const timer = setInterval(() => this.request(true), this.#opts.resyncMs ?? HOSTPORT_RESYNC_MS);
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    clearInterval(timer);
    await this.#running;
  }

  /** Waits for the sync in progress (tests). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #loop(): Promise<void> {
    do {
      this.#pending = false;
      const force = this.#force;
      this.#force = false;
      await this.#syncOnce(force);
    } while (this.#pending);
  }

  async #syncOnce(force: boolean): Promise<void> {
    const { logger } = this.#opts;
    let mappings: PortMapping[] = [];
    let pods: Pod[] = [];
    try {
      ({ mappings, pods } = await this.#collect());
      const previousChains = this.#applied?.chains ?? (await this.#opts.iptables.listChains());
      const { payload, chains } = renderHostPortRules({ mappings, podCidr: this.#opts.podCidr(), previousChains });
      const changed = payload !== this.#applied?.payload;
      if (changed || force) {
        await this.#opts.iptables.restore(payload);
        await this.#opts.iptables.ensureJumps();
      }
      // New sandboxes bring new bridge ports: a pod reaching its own hostPort needs hairpin mode on its port.
      if (mappings.length > 0) await this.#opts.enableHairpin?.().catch((err) => logger.warn({ err }, 'hairpin mode not set on the pod bridge'));
      const udp = udpTargets(mappings);
      for (const port of staleUdpPorts(this.#applied?.udp, udp)) {
        await this.#opts.iptables.deleteUdpConntrack(port).catch((err) => logger.warn({ err, hostPort: port }, 'stale UDP conntrack entries not deleted'));
      }
      this.#applied = { payload, chains, udp };
      if (changed) logger.info({ mappings: mappings.length }, 'hostport rules applied');
      this.#failing = false;
      this.#opts.onSync?.('success', mappings.length);
    } catch (err) {
      // The kubelet goes on: the next request or resync retries the whole set.
      this.#applied = undefined;
      logger.error({ err }, 'hostport sync failed');
      if (!this.#failing) {
        const message = `hostPort rules not applied: ${(err as Error).message}`;
        for (const pod of pods) this.#opts.recordEvent?.(pod, { type: 'Warning', reason: 'FailedHostPortMapping', message });
      }
      this.#failing = true;
      this.#opts.onSync?.('error', mappings.length);
    }
  }

  /** Mappings of the pods that want hostPorts and have a ready sandbox, at that sandbox's address. */
  async #collect(): Promise<{ mappings: PortMapping[]; pods: Pod[] }> {
    const { runtime, logger } = this.#opts;
    const mappings: PortMapping[] = [];
    const pods: Pod[] = [];
    for (const pod of this.#opts.listPods()) {
      const phase = pod.status?.phase;
      // A finished pod serves nothing, and the scheduler already gave its ports to others.
      if (!wantsHostPorts(pod) || phase === 'Succeeded' || phase === 'Failed') continue;
      const uid = pod.metadata?.uid ?? '';
      const ready = await runtime.listPodSandboxes({ labels: { [LABEL_POD_UID]: uid }, state: 'SANDBOX_READY' });
      const newest = ready.sort((a, b) => b.createdAt - a.createdAt)[0];
      const ip = newest ? ((await runtime.podSandboxStatus(newest.id))?.ip ?? '') : '';
      if (!ip) continue;
      const found = getPortMappings(pod, ip);
      if (found.skipped.length) logger.warn({ pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, skipped: found.skipped }, 'IPv6 hostIP not published');
      mappings.push(...found.mappings);
      pods.push(pod);
    }
    return { mappings, pods };
  }
}

/** UDP `hostIP|udp/port` → `podIP:containerPort`. */
function udpTargets(mappings: readonly PortMapping[]): Map<string, string> {
  return new Map(mappings.filter((m) => m.protocol === 'udp').map((m) => [hostPortKey(m), `${m.podIP}:${m.containerPort}`]));
}

/**
 * Host ports whose UDP flows must be forgotten: mappings removed or pointed elsewhere, and new
 * ones too (packets that came before the rule made entries that bypass it). After a restart
 * (`before` unknown) every current one: a needless delete only makes the next packet re-NAT.
 */
export function staleUdpPorts(before: ReadonlyMap<string, string> | undefined, after: ReadonlyMap<string, string>): number[] {
  const ports = new Set<number>();
  const portOf = (key: string) => Number(key.split('/').at(-1));
  for (const [key, target] of after) if (before?.get(key) !== target) ports.add(portOf(key));
  for (const key of before?.keys() ?? []) if (!after.has(key)) ports.add(portOf(key));
  return [...ports].sort((a, b) => a - b);
}
