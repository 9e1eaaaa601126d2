/**
 * /stats/summary: the subset of upstream's statsapi.Summary that `kubectl top` (through
 * metrics.k8s.io), the HPA and people reading it by hand use — node and per-pod/per-container CPU
 * and memory. It answers from what the sampler (../stats/) already holds, so a request never waits
 * on Docker: CPU is the rate over the sampler's window (about 15 s, as metrics-server's), memory the
 * latest working set, and each figure carries the time of the reading it comes from.
 */
import type { Logger } from '@skiff/log';
import type { DockerRuntime } from '../docker-runtime.ts';
import { readDockerStats } from '../stats/docker-stats.ts';
import { StatsSampler, USAGE_WINDOW_MS, type ContainerUsage } from '../stats/stats-sampler.ts';
import type { UsageWindow } from '../stats/usage-window.ts';

export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
}

export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerStats[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface NodeStats {
  nodeName: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface StatsSummary {
  node: NodeStats;
  pods: PodStats[];
}

/**
 * Readings older than this are not reported: the sampler stopped getting answers (Docker down), and
 * an old rate presented as current would mislead an autoscaler more than a missing one.
 */
const STALE_MS = 2 * USAGE_WINDOW_MS;

const iso = (ms: number) => new Date(ms).toISOString();

function cpuStats(window: UsageWindow): CpuStats | undefined {
  const latest = window.latest();
  if (!latest) return undefined;
  const rate = window.rate();
  return { time: iso(latest.at), usageCoreNanoSeconds: latest.value, ...(rate !== undefined ? { usageNanoCores: rate } : {}) };
}

function containerStats(c: ContainerUsage): ContainerStats {
  const cpu = cpuStats(c.cpu);
  const m = c.memory;
  return {
    name: c.name,
    startTime: c.startTime,
    ...(cpu ? { cpu } : {}),
    ...(m
      ? {
          memory: {
            time: iso(m.at),
            usageBytes: m.usageBytes,
            workingSetBytes: m.workingSetBytes,
            ...(m.rssBytes !== undefined ? { rssBytes: m.rssBytes } : {}),
          },
        }
      : {}),
  };
}

function sum(values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined;
}

/** The latest of the containers' times: when the pod's figures were last brought up to date. */
function latestTime(times: (string | undefined)[]): string | undefined {
  return times
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
}

/** A pod's figures are its containers' sums, as the kubelet's summary provider adds them up. */
function podStats(containers: ContainerUsage[]): PodStats {
  const first = containers[0]!;
  const stats = containers.map(containerStats).sort((a, b) => a.name.localeCompare(b.name));
  const cpuTime = latestTime(stats.map((c) => c.cpu?.time));
  const memTime = latestTime(stats.map((c) => c.memory?.time));
  return {
    podRef: { ...first.pod },
    startTime: containers.map((c) => c.startTime).sort()[0]!,
    containers: stats,
    ...(cpuTime
      ? {
          cpu: {
            time: cpuTime,
            usageNanoCores: sum(stats.map((c) => c.cpu?.usageNanoCores)),
            usageCoreNanoSeconds: sum(stats.map((c) => c.cpu?.usageCoreNanoSeconds)),
          },
        }
      : {}),
    ...(memTime
      ? {
          memory: { time: memTime, workingSetBytes: sum(stats.map((c) => c.memory?.workingSetBytes)), usageBytes: sum(stats.map((c) => c.memory?.usageBytes)) },
        }
      : {}),
  };
}

/** Samples in the background once started; summary() is a read of memory. */
export class StatsCollector {
  readonly #sampler: StatsSampler;
  readonly #nodeName: string;
  readonly #startTime = new Date().toISOString();
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  constructor(opts: { runtime: DockerRuntime; nodeName: string; logger: Logger }) {
    const { runtime } = opts;
    this.#nodeName = opts.nodeName;
    this.#sampler = new StatsSampler({
      logger: opts.logger,
      listRunning: () => runtime.listContainers({ state: 'CONTAINER_RUNNING' }),
      readStats: (id, twoTicks, signal) => readDockerStats(runtime.docker, id, twoTicks, signal),
    });
  }

  start(): void {
    this.#running ??= this.#sampler.run(this.#stop.signal);
  }

  /** Ends the sampling loop; resolves once the round in flight (if any) has given up. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  async summary(): Promise<StatsSummary> {
    const fresh = Date.now() - STALE_MS;
    const byPod = new Map<string, ContainerUsage[]>();
    for (const c of this.#sampler.containers()) {
      if ((c.cpu.latest()?.at ?? 0) < fresh) continue;
      const key = c.pod.uid || `${c.pod.namespace}/${c.pod.name}`;
      byPod.set(key, [...(byPod.get(key) ?? []), c]);
    }
    return { node: this.#nodeStats(), pods: [...byPod.values()].map(podStats) };
  }

  #nodeStats(): NodeStats {
    const cpu = cpuStats(this.#sampler.hostCpu());
    const m = this.#sampler.hostMemory();
    return {
      nodeName: this.#nodeName,
      startTime: this.#startTime,
      ...(cpu ? { cpu } : {}),
      ...(m ? { memory: { time: iso(m.at), availableBytes: m.availableBytes, usageBytes: m.usageBytes, workingSetBytes: m.workingSetBytes } } : {}),
    };
  }
}
