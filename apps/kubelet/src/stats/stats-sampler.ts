/**
 * The kubelet's continuous usage sampling (cAdvisor's housekeeping, in miniature): every period it
 * lists the node's running pod containers, reads each one's CPU counter and memory from Docker
 * (bounded concurrency) and the host's CPU and memory, and keeps per container a window of CPU
 * readings. /stats/summary reads this state and never waits on Docker; containers that stopped or
 * vanished leave the state on the next round.
 */
import { cpus, freemem, totalmem } from 'node:os';
import { sleep } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, type Container } from '../container-runtime.ts';
import { cpuSamples, memoryReading, type DockerStats, type MemoryReading } from './docker-stats.ts';
import { mapWithLimit } from './map-with-limit.ts';
import { UsageWindow, type CumulativeSample } from './usage-window.ts';

/** metrics-server's default resolution: the window a rate spans. */
export const USAGE_WINDOW_MS = 15_000;
/** Three readings per window, so a rate spans close to the whole window. */
export const SAMPLE_PERIOD_MS = 5_000;
/**
 * Stats calls in flight at once. Docker 20.10 answers a one-shot call at its collector's next 1 s
 * tick, so a call mostly waits: 32 at a time keep a full node (110 pods) within one period.
 */
const STATS_CONCURRENCY = 32;
/** A stats call that takes longer is abandoned for this round (the engine is stuck, not slow). */
const STATS_TIMEOUT_MS = 10_000;

export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
}

export interface ContainerUsage {
  id: string;
  name: string;
  pod: PodRef;
  /** When the container was created (ISO 8601), the summary's startTime. */
  startTime: string;
  cpu: UsageWindow;
  memory?: MemoryReading;
}

export interface NodeMemoryReading {
  at: number;
  availableBytes: number;
  usageBytes: number;
  workingSetBytes: number;
}

export interface StatsSamplerOptions {
  /** The node's running pod containers (sandboxes excluded). */
  listRunning: () => Promise<Container[]>;
  /** One stats answer; `twoTicks` for a container seen for the first time. */
  readStats: (id: string, twoTicks: boolean, signal: AbortSignal) => Promise<DockerStats>;
  logger: Logger;
  periodMs?: number;
  windowMs?: number;
  /** The host's busy CPU time (ns, all CPUs) now; tests replace it. */
  readHostCpu?: () => CumulativeSample;
  readHostMemory?: () => NodeMemoryReading;
}

/** os.cpus() counts ms of each kind per CPU since boot; everything but idle is busy. */
export function readHostCpu(): CumulativeSample {
  let busyMs = 0;
  for (const c of cpus()) busyMs += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return { at: Date.now(), value: busyMs * 1e6 };
}

function readHostMemory(): NodeMemoryReading {
  const total = totalmem();
  const free = freemem();
  return { at: Date.now(), availableBytes: free, usageBytes: total - free, workingSetBytes: total - free };
}

export class StatsSampler {
  readonly #opts: StatsSamplerOptions;
  readonly #windowMs: number;
  readonly #containers = new Map<string, ContainerUsage>();
  readonly #hostCpu: UsageWindow;
  #hostMemory: NodeMemoryReading | undefined;
  #listFailing = false;

  constructor(opts: StatsSamplerOptions) {
    this.#opts = opts;
    this.#windowMs = opts.windowMs ?? USAGE_WINDOW_MS;
    this.#hostCpu = new UsageWindow(this.#windowMs);
  }

  /** Samples every period until `signal` aborts; a round's failure is logged and the next round tries again. */
  async run(signal: AbortSignal): Promise<void> {
    const period = this.#opts.periodMs ?? SAMPLE_PERIOD_MS;
    while (!signal.aborted) {
      const started = Date.now();
      await this.sampleOnce(signal).catch((err) => this.#opts.logger.warn({ err }, 'stats: sampling round failed'));
      await sleep(Math.max(0, period - (Date.now() - started)), signal);
    }
  }

  /** One round: the host, then every running container. */
  async sampleOnce(signal: AbortSignal): Promise<void> {
    this.#hostCpu.add((this.#opts.readHostCpu ?? readHostCpu)());
    this.#hostMemory = (this.#opts.readHostMemory ?? readHostMemory)();
    let running: Container[];
    try {
      running = await this.#opts.listRunning();
      if (this.#listFailing) this.#opts.logger.info('stats: container runtime answers again');
      this.#listFailing = false;
    } catch (err) {
      // Keep what we have: each figure carries its own time, so readers see how old it is.
      if (!this.#listFailing) this.#opts.logger.warn({ err }, 'stats: cannot list containers');
      this.#listFailing = true;
      return;
    }
    const ids = new Set(running.map((c) => c.id));
    for (const id of this.#containers.keys()) if (!ids.has(id)) this.#containers.delete(id);
    await mapWithLimit(running, STATS_CONCURRENCY, (c) => this.#sampleContainer(c, signal));
  }

  async #sampleContainer(c: Container, signal: AbortSignal): Promise<void> {
    const known = this.#containers.get(c.id);
    let stats: DockerStats;
    try {
      stats = await this.#opts.readStats(c.id, !known, AbortSignal.any([signal, AbortSignal.timeout(STATS_TIMEOUT_MS)]));
    } catch (err) {
      // Usually the container stopped between the list and the call; the next list drops it.
      this.#opts.logger.debug({ container: c.id, err: (err as Error).message }, 'stats: no reading');
      return;
    }
    const usage = known ?? {
      id: c.id,
      name: c.labels[LABEL_CONTAINER_NAME] ?? c.name,
      startTime: new Date(c.createdAt).toISOString(),
      cpu: new UsageWindow(this.#windowMs),
      pod: { name: c.labels[LABEL_POD_NAME] ?? '', namespace: c.labels[LABEL_POD_NAMESPACE] ?? '', uid: c.labels[LABEL_POD_UID] ?? '' },
    };
    for (const sample of cpuSamples(stats)) usage.cpu.add(sample);
    usage.memory = memoryReading(stats);
    if (!known) this.#containers.set(c.id, usage);
  }

  /** The sampled containers; readers must not change them. */
  containers(): Iterable<ContainerUsage> {
    return this.#containers.values();
  }

  hostCpu(): UsageWindow {
    return this.#hostCpu;
  }

  hostMemory(): NodeMemoryReading | undefined {
    return this.#hostMemory;
  }
}
