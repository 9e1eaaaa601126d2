import type { Node, Pod, Taint } from '@skiff/api';
import { newPodInfo, parseBytes, parseMilliCpu, podKey, type HostPort, type PodInfo } from './pod-info.ts';

/**
 * One node as the scheduler sees it: what it offers (allocatable) and what bound and
 * assumed pods already take. Plain numeric fields so the filter loop stays cheap.
 */
export class NodeInfo {
  readonly name: string;
  node: Node | undefined;
  /** Position in SchedulerCache.nodes, -1 while the Node object is unknown. */
  index = -1;
  allocCpu = 0;
  allocMemory = 0;
  allocPods = 0;
  requestedCpu = 0;
  requestedMemory = 0;
  nonZeroCpu = 0;
  nonZeroMemory = 0;
  podCount = 0;
  /** 'True', 'False' or 'Unknown' (no Ready condition counts as Unknown). */
  ready = 'Unknown';
  unschedulable = false;
  labels: Readonly<Record<string, string>> = {};
  /** Only the taints scheduling cares about: NoSchedule and NoExecute. */
  taints: readonly Taint[] = [];
  /** `protocol/port` → hostIPs in use (repeated once per pod using it). */
  readonly usedPorts = new Map<string, string[]>();
  /** controllerRef uid → pods of that owner here. */
  readonly ownerCounts = new Map<string, number>();
  /** The pods themselves, by key: preemption looks for victims among them. */
  readonly pods = new Map<string, PodInfo>();

  constructor(name: string) {
    this.name = name;
  }

  setNode(node: Node): void {
    this.node = node;
    const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
    this.allocCpu = parseMilliCpu(alloc.cpu);
    this.allocMemory = parseBytes(alloc.memory);
    this.allocPods = alloc.pods === undefined ? 0 : parseBytes(alloc.pods);
    this.ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
    this.unschedulable = node.spec?.unschedulable === true;
    this.labels = node.metadata?.labels ?? {};
    this.taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  }

  /** A copy preemption can take pods off and put back on without touching the cache. */
  clone(): NodeInfo {
    const copy = new NodeInfo(this.name);
    copy.node = this.node;
    copy.index = this.index;
    copy.allocCpu = this.allocCpu;
    copy.allocMemory = this.allocMemory;
    copy.allocPods = this.allocPods;
    copy.requestedCpu = this.requestedCpu;
    copy.requestedMemory = this.requestedMemory;
    copy.nonZeroCpu = this.nonZeroCpu;
    copy.nonZeroMemory = this.nonZeroMemory;
    copy.podCount = this.podCount;
    copy.ready = this.ready;
    copy.unschedulable = this.unschedulable;
    copy.labels = this.labels;
    copy.taints = this.taints;
    for (const [port, ips] of this.usedPorts) copy.usedPorts.set(port, [...ips]);
    for (const [uid, n] of this.ownerCounts) copy.ownerCounts.set(uid, n);
    for (const [key, pod] of this.pods) copy.pods.set(key, pod);
    return copy;
  }

  addPod(info: PodInfo, sign: 1 | -1): void {
    if (sign > 0) this.pods.set(info.key, info);
    else this.pods.delete(info.key);
    this.requestedCpu += sign * info.cpu;
    this.requestedMemory += sign * info.memory;
    this.nonZeroCpu += sign * info.nonZeroCpu;
    this.nonZeroMemory += sign * info.nonZeroMemory;
    this.podCount += sign;
    for (const p of info.hostPorts) updatePorts(this.usedPorts, p, sign);
    if (info.ownerUid) {
      const n = (this.ownerCounts.get(info.ownerUid) ?? 0) + sign;
      if (n > 0) this.ownerCounts.set(info.ownerUid, n);
      else this.ownerCounts.delete(info.ownerUid);
    }
  }
}

function updatePorts(used: Map<string, string[]>, p: HostPort, sign: 1 | -1): void {
  const key = `${p.protocol}/${p.port}`;
  const ips = used.get(key) ?? [];
  if (sign > 0) {
    ips.push(p.hostIP);
    used.set(key, ips);
    return;
  }
  const i = ips.indexOf(p.hostIP);
  if (i >= 0) ips.splice(i, 1);
  if (ips.length === 0) used.delete(key);
}

interface CachedPod {
  nodeName: string;
  info: PodInfo;
  assumed: boolean;
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Kube's scheduler cache: nodes plus every pod that is bound, or assumed (we chose a node
 * and the binding is in flight). Assuming before binding lets the next pod see the
 * resources taken without waiting for the watch; the informer's update then confirms
 * it, and a failed binding forgets it.
 */
export class SchedulerCache {
  /** Known nodes in a stable array: the scheduling loop walks it by index. */
  readonly nodes: NodeInfo[] = [];
  readonly #byName = new Map<string, NodeInfo>();
  readonly #pods = new Map<string, CachedPod>();

  getNode(name: string): NodeInfo | undefined {
    const info = this.#byName.get(name);
    return info?.node ? info : undefined;
  }

  setNode(node: Node): NodeInfo {
    const name = node.metadata?.name ?? '';
    const info = this.#nodeInfo(name);
    info.setNode(node);
    if (info.index < 0) {
      info.index = this.nodes.length;
      this.nodes.push(info);
    }
    return info;
  }

  removeNode(name: string): void {
    const info = this.#byName.get(name);
    if (!info || info.index < 0) return;
    // Swap-remove keeps deletion O(1); order does not matter to scheduling.
    const last = this.nodes.pop()!;
    if (last !== info) {
      this.nodes[info.index] = last;
      last.index = info.index;
    }
    info.index = -1;
    info.node = undefined;
    // Pods still bound there keep their accounting until they go, as kube does.
    if (info.podCount === 0) this.#byName.delete(name);
  }

  /** A pod from the informer: bound ones are accounted on their node, others dropped. */
  setPod(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || isTerminal(pod)) return this.removePod(key);
    const cached = this.#pods.get(key);
    if (cached) this.#unaccount(key, cached);
    this.#account(key, { nodeName, info: newPodInfo(pod), assumed: false });
  }

  removePod(key: string): void {
    const cached = this.#pods.get(key);
    if (cached) this.#unaccount(key, cached);
  }

  assumePod(info: PodInfo, nodeName: string): void {
    const cached = this.#pods.get(info.key);
    if (cached) this.#unaccount(info.key, cached);
    this.#account(info.key, { nodeName, info, assumed: true });
  }

  /** Undoes assumePod after a failed binding; a pod the watch already confirmed stays. */
  forgetPod(key: string): void {
    const cached = this.#pods.get(key);
    if (cached?.assumed) this.#unaccount(key, cached);
  }

  isAssumed(key: string): boolean {
    return this.#pods.get(key)?.assumed === true;
  }

  podCount(): number {
    return this.#pods.size;
  }

  #nodeInfo(name: string): NodeInfo {
    let info = this.#byName.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.#byName.set(name, info);
    }
    return info;
  }

  #account(key: string, cached: CachedPod): void {
    this.#pods.set(key, cached);
    this.#nodeInfo(cached.nodeName).addPod(cached.info, 1);
  }

  #unaccount(key: string, cached: CachedPod): void {
    this.#pods.delete(key);
    const info = this.#byName.get(cached.nodeName);
    if (!info) return;
    info.addPod(cached.info, -1);
    if (info.index < 0 && info.podCount === 0) this.#byName.delete(cached.nodeName);
  }
}
