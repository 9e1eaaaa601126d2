/**
 * /stats/summary: the subset of upstream's statsapi.Summary that `kubectl top` (through
 * metrics.k8s.io) and people reading it by hand use — node and per-pod/per-container CPU and memory.
 * Container numbers come from one-shot Docker stats; Docker's one-shot answer already carries the
 * previous sample (precpu_stats), so a CPU rate needs no state of our own. The node's numbers come
 * from the host (os.cpus() deltas between calls, /proc/meminfo through os.freemem()).
 */
import { cpus, freemem, totalmem } from 'node:os';
import type { Logger } from '@skiff/log';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from '../container-runtime.ts';
import type { DockerRuntime } from '../docker-runtime.ts';

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

interface CpuSample {
  busyNs: number;
  at: bigint;
}

function sampleHostCpu(): CpuSample {
  // os.cpus() times are in ms of each kind since boot; everything but idle is busy.
  let busyMs = 0;
  for (const c of cpus()) busyMs += c.times.user + c.times.nice + c.times.sys + c.times.irq;
  return { busyNs: busyMs * 1e6, at: process.hrtime.bigint() };
}

/** Docker's one-shot stats, the fields we read (cgroup v1 and v2 name the page-cache counter differently). */
interface DockerStats {
  read: string;
  preread: string;
  cpu_stats: { cpu_usage: { total_usage: number } };
  precpu_stats: { cpu_usage: { total_usage: number } };
  memory_stats: { usage?: number; stats?: Record<string, number> };
}

export function toContainerCpu(s: DockerStats): CpuStats {
  const total = s.cpu_stats.cpu_usage.total_usage;
  const before = s.precpu_stats?.cpu_usage?.total_usage ?? 0;
  const wallNs = (Date.parse(s.read) - Date.parse(s.preread)) * 1e6;
  // preread is 0001-01-01 when Docker had no earlier sample: no rate then.
  const rate = before > 0 && wallNs > 0 ? Math.max(0, Math.round(((total - before) / wallNs) * 1e9)) : undefined;
  return { time: s.read, usageCoreNanoSeconds: total, ...(rate !== undefined ? { usageNanoCores: rate } : {}) };
}

/** Working set = usage minus inactive page cache, as cAdvisor computes it. */
export function toContainerMemory(s: DockerStats): MemoryStats {
  const usage = s.memory_stats.usage ?? 0;
  const stats = s.memory_stats.stats ?? {};
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  const rss = stats.total_rss ?? stats.rss ?? stats.anon;
  return { time: s.read, usageBytes: usage, workingSetBytes: Math.max(0, usage - inactive), ...(rss !== undefined ? { rssBytes: rss } : {}) };
}

function sum(values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length ? present.reduce((a, b) => a + b, 0) : undefined;
}

export class StatsCollector {
  readonly #runtime: DockerRuntime;
  readonly #nodeName: string;
  readonly #logger: Logger;
  readonly #startTime = new Date().toISOString();
  #lastCpu = sampleHostCpu();
  #lastRate: number | undefined;

  constructor(opts: { runtime: DockerRuntime; nodeName: string; logger: Logger }) {
    this.#runtime = opts.runtime;
    this.#nodeName = opts.nodeName;
    this.#logger = opts.logger;
  }

  async summary(): Promise<StatsSummary> {
    const running = await this.#runtime.listContainers({ state: 'CONTAINER_RUNNING' });
    const sampled = await Promise.all(running.map(async (c) => {
      try {
        const s = (await this.#runtime.docker.getContainer(c.id).stats({ stream: false })) as unknown as DockerStats;
        return { c, s };
      } catch (err) {
        this.#logger.debug({ container: c.id, err: (err as Error).message }, 'stats: container gone');
        return undefined;
      }
    }));
    const pods = new Map<string, PodStats>();
    for (const entry of sampled) {
      if (!entry) continue;
      const { c, s } = entry;
      const uid = c.labels[LABEL_POD_UID] ?? '';
      let pod = pods.get(uid);
      if (!pod) {
        pod = {
          podRef: { name: c.labels[LABEL_POD_NAME] ?? '', namespace: c.labels[LABEL_POD_NAMESPACE] ?? '', uid },
          startTime: new Date(c.createdAt).toISOString(), containers: [],
        };
        pods.set(uid, pod);
      }
      pod.containers.push({ name: c.labels[LABEL_CONTAINER_NAME] ?? c.name, startTime: new Date(c.createdAt).toISOString(), cpu: toContainerCpu(s), memory: toContainerMemory(s) });
    }
    const now = new Date().toISOString();
    for (const pod of pods.values()) {
      pod.containers.sort((a, b) => a.name.localeCompare(b.name));
      pod.cpu = {
        time: now,
        usageNanoCores: sum(pod.containers.map((c) => c.cpu?.usageNanoCores)),
        usageCoreNanoSeconds: sum(pod.containers.map((c) => c.cpu?.usageCoreNanoSeconds)),
      };
      pod.memory = { time: now, workingSetBytes: sum(pod.containers.map((c) => c.memory?.workingSetBytes)), usageBytes: sum(pod.containers.map((c) => c.memory?.usageBytes)) };
    }
    return { node: this.#nodeStats(now), pods: [...pods.values()] };
  }

  #nodeStats(now: string): NodeStats {
    const sample = sampleHostCpu();
    const wallNs = Number(sample.at - this.#lastCpu.at);
    // Calls closer than 1 s apart reuse the last rate rather than divide tiny noisy deltas.
    if (wallNs >= 1e9 || (this.#lastRate === undefined && wallNs > 0)) {
      this.#lastRate = Math.max(0, Math.round(((sample.busyNs - this.#lastCpu.busyNs) / wallNs) * 1e9));
      this.#lastCpu = sample;
    }
    const total = totalmem();
    const free = freemem();
    return {
      nodeName: this.#nodeName, startTime: this.#startTime,
      cpu: { time: now, usageCoreNanoSeconds: sample.busyNs, ...(this.#lastRate !== undefined ? { usageNanoCores: this.#lastRate } : {}) },
      memory: { time: now, availableBytes: free, usageBytes: total - free, workingSetBytes: total - free },
    };
  }
}
