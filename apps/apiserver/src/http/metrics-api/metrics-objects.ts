/**
 * NodeMetrics and PodMetrics from kubelet summaries, as metrics-server builds them: cpu in
 * nanocores ("123456n"), memory as the working set in Ki, the time of the reading as `timestamp`
 * and the span the CPU rate covers as `window`. A pod is reported only when every one of its
 * containers has both figures (metrics-server drops pods with incomplete metrics), and only for
 * pods that exist now — a summary can still carry a pod deleted a moment ago.
 */
import type { Node, Pod } from '@skiff/api';
import type { CpuFigure, MemoryFigure, Summary } from './kubelet-summaries.ts';

export const METRICS_GROUP_VERSION = 'metrics.k8s.io/v1beta1';
/** The kubelet's sampling window (apps/kubelet/src/stats): the span of every CPU rate it reports. */
export const METRICS_WINDOW = '15s';

interface Usage {
  cpu: string;
  memory: string;
}

export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: string;
  metadata: { name: string; labels?: Record<string, string>; creationTimestamp: string };
  timestamp: string;
  window: string;
  usage: Usage;
}

export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string>; creationTimestamp: string };
  timestamp: string;
  window: string;
  containers: { name: string; usage: Usage }[];
}

type Complete = { cpu: Required<CpuFigure>; memory: { workingSetBytes: number } };

function isComplete<T extends { cpu?: CpuFigure; memory?: MemoryFigure }>(f: T): f is T & Complete {
  return f.cpu?.usageNanoCores !== undefined && f.memory?.workingSetBytes !== undefined;
}

const usage = (f: Complete): Usage => ({ cpu: `${Math.round(f.cpu.usageNanoCores)}n`, memory: `${Math.round(f.memory.workingSetBytes / 1024)}Ki` });

/** The node's metrics, or undefined while its kubelet has no CPU rate yet. */
export function nodeMetrics(node: Node, summary: Summary, now: string): NodeMetrics | undefined {
  if (!isComplete(summary.node)) return undefined;
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: { name: node.metadata!.name!, ...(node.metadata?.labels ? { labels: node.metadata.labels } : {}), creationTimestamp: now },
    timestamp: summary.node.cpu.time,
    window: METRICS_WINDOW,
    usage: usage(summary.node),
  };
}

const podKey = (namespace: string | undefined, name: string | undefined) => `${namespace}/${name}`;

/**
 * PodMetrics for `pods` (in their order) found in `summaries`; a pod whose summary entry belongs to
 * an earlier pod of the same name (another uid) or lacks a figure is left out.
 */
export function podMetrics(pods: Pod[], summaries: Summary[], now: string): PodMetrics[] {
  const reported = new Map<string, Summary['pods'][number]>();
  for (const s of summaries) for (const p of s.pods) reported.set(podKey(p.podRef.namespace, p.podRef.name), p);
  const items: PodMetrics[] = [];
  for (const pod of pods) {
    const meta = pod.metadata!;
    const entry = reported.get(podKey(meta.namespace, meta.name));
    if (!entry || (entry.podRef.uid && meta.uid && entry.podRef.uid !== meta.uid)) continue;
    const containers = entry.containers.filter(isComplete);
    if (containers.length === 0 || containers.length < entry.containers.length) continue;
    items.push({
      kind: 'PodMetrics',
      apiVersion: METRICS_GROUP_VERSION,
      metadata: { name: meta.name!, namespace: meta.namespace!, ...(meta.labels ? { labels: meta.labels } : {}), creationTimestamp: now },
      // The newest reading among the containers: when the pod's figures were last brought up to date.
      timestamp: containers
        .map((c) => c.cpu.time)
        .sort()
        .at(-1)!,
      window: METRICS_WINDOW,
      containers: containers.map((c) => ({ name: c.name, usage: usage(c) })),
    });
  }
  return items;
}
