import { parseQuantity, type Pod, type Container, type Toleration } from '@skiff/api';
import type { NodeSelectorTerm } from 'kubernetes-types/core/v1.js';
import type { PodVolumes } from './filters/volume-binding.ts';

/** A host port a pod asks for; hostIP '' or '0.0.0.0' means every address. */
export interface HostPort {
  protocol: string;
  port: number;
  hostIP: string;
}

/**
 * What scheduling needs to know about a pod, worked out once per attempt so the filter
 * and score loops over thousands of nodes only compare numbers and short arrays.
 */
export interface PodInfo {
  key: string;
  pod: Pod;
  /** spec.priority as the Priority admission plugin resolved it; 0 when unset, as upstream. */
  priority: number;
  /** Requests used for fitting: millicores and bytes. */
  cpu: number;
  memory: number;
  /** Requests used for scoring: an unset request counts as kube's defaults (100m, 200Mi). */
  nonZeroCpu: number;
  nonZeroMemory: number;
  hostPorts: HostPort[];
  /** The controllerRef's uid: pods of one owner are spread across nodes. */
  ownerUid: string | undefined;
  nodeSelector: [string, string][];
  /** Required node affinity terms (ORed); undefined means no requirement. */
  requiredTerms: readonly NodeSelectorTerm[] | undefined;
  tolerations: readonly Toleration[];
  /** The pod's claims as the volume-binding filter needs them; set per attempt by the scheduler. */
  volumes?: PodVolumes;
}

// Kube's defaults for a container that requests nothing, so scoring still spreads them.
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

// Pods of one template carry the same request strings; parsing each once keeps it cheap.
const cpuCache = new Map<string, number>();
const memoryCache = new Map<string, number>();

export function parseMilliCpu(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const text = String(value);
  let milli = cpuCache.get(text);
  if (milli === undefined) {
    milli = parseQuantity(text).toMilli();
    if (cpuCache.size < 10_000) cpuCache.set(text, milli);
  }
  return milli;
}

export function parseBytes(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const text = String(value);
  let bytes = memoryCache.get(text);
  if (bytes === undefined) {
    bytes = parseQuantity(text).toInteger();
    if (memoryCache.size < 10_000) memoryCache.set(text, bytes);
  }
  return bytes;
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

interface Requests {
  cpu: number;
  memory: number;
  nonZeroCpu: number;
  nonZeroMemory: number;
}

function readRequests(container: Container): Requests {
  const req = container.resources?.requests;
  const cpu = parseMilliCpu(req?.cpu);
  const memory = parseBytes(req?.memory);
  return {
    cpu,
    memory,
    nonZeroCpu: req?.cpu === undefined ? DEFAULT_MILLI_CPU_REQUEST : cpu,
    nonZeroMemory: req?.memory === undefined ? DEFAULT_MEMORY_REQUEST : memory,
  };
}

/**
 * Kube's effective request: the sum over regular containers, but at least the largest
 * init container's (init containers run one at a time, before the others), plus overhead.
 */
export function computePodRequests(pod: Pod): Requests {
  const total: Requests = { cpu: 0, memory: 0, nonZeroCpu: 0, nonZeroMemory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = readRequests(c);
    total.cpu += r.cpu;
    total.memory += r.memory;
    total.nonZeroCpu += r.nonZeroCpu;
    total.nonZeroMemory += r.nonZeroMemory;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = readRequests(c);
    total.cpu = Math.max(total.cpu, r.cpu);
    total.memory = Math.max(total.memory, r.memory);
    total.nonZeroCpu = Math.max(total.nonZeroCpu, r.nonZeroCpu);
    total.nonZeroMemory = Math.max(total.nonZeroMemory, r.nonZeroMemory);
  }
  const overhead = pod.spec?.overhead;
  if (overhead) {
    total.cpu += parseMilliCpu(overhead.cpu);
    total.memory += parseBytes(overhead.memory);
    total.nonZeroCpu += parseMilliCpu(overhead.cpu);
    total.nonZeroMemory += parseBytes(overhead.memory);
  }
  return total;
}

export function collectHostPorts(pod: Pod): HostPort[] {
  const ports: HostPort[] = [];
  const spec = pod.spec;
  if (!spec) return ports;
  for (const list of [spec.initContainers, spec.containers]) {
    for (const c of list ?? []) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort) continue;
        ports.push({ protocol: p.protocol ?? 'TCP', port: p.hostPort, hostIP: p.hostIP ?? '' });
      }
    }
  }
  return ports;
}

export function getControllerUid(pod: Pod): string | undefined {
  return pod.metadata?.ownerReferences?.find((ref) => ref.controller)?.uid;
}

export function newPodInfo(pod: Pod): PodInfo {
  const requests = computePodRequests(pod);
  return {
    key: podKey(pod),
    pod,
    priority: pod.spec?.priority ?? 0,
    ...requests,
    hostPorts: collectHostPorts(pod),
    ownerUid: getControllerUid(pod),
    nodeSelector: Object.entries(pod.spec?.nodeSelector ?? {}),
    requiredTerms: pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    tolerations: pod.spec?.tolerations ?? [],
  };
}
