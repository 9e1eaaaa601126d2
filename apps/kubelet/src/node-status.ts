/** The Node object a hollow kubelet registers and the status it keeps posting. */
import type { Node, NodeCondition, NodeStatus } from '@skiff/api';
import { formatTime } from './pod-status.ts';

export const KUBELET_VERSION = 'v1.30.0-skiff';

export interface NodeShape {
  name: string;
  internalIp: string;
  cpu: string;
  memory: string;
  maxPods: number;
  labels: Record<string, string>;
  runtimeVersion: string;
  arch: string;
}

const CONDITIONS: [type: string, status: string, reason: string, message: string][] = [
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
];

/**
 * The status to post: our conditions with heartbeat `now`, keeping the server's
 * lastTransitionTime for a condition whose status did not change.
 */
export function buildNodeStatus(shape: NodeShape, current: NodeStatus | undefined, now: Date): NodeStatus {
  const nowText = formatTime(now.getTime());
  const conditions: NodeCondition[] = CONDITIONS.map(([type, status, reason, message]) => {
    const old = current?.conditions?.find((c) => c.type === type);
    return { type, status, reason, message, lastHeartbeatTime: nowText, lastTransitionTime: old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : nowText };
  });
  const resources = { cpu: shape.cpu, memory: shape.memory, pods: String(shape.maxPods), 'ephemeral-storage': '100Gi' };
  return {
    capacity: resources,
    allocatable: { ...resources },
    conditions,
    addresses: [{ type: 'InternalIP', address: shape.internalIp }, { type: 'Hostname', address: shape.name }],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: shape.name, systemUUID: shape.name, bootID: shape.name,
      kernelVersion: 'hollow', osImage: 'Skiff hollow node', containerRuntimeVersion: shape.runtimeVersion,
      kubeletVersion: KUBELET_VERSION, kubeProxyVersion: KUBELET_VERSION, operatingSystem: 'linux', architecture: shape.arch,
    },
  };
}

export function buildNode(shape: NodeShape, now: Date): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: shape.name,
      labels: {
        'beta.kubernetes.io/arch': shape.arch, 'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': shape.arch, 'kubernetes.io/hostname': shape.name, 'kubernetes.io/os': 'linux',
        ...shape.labels,
      },
    },
    spec: {},
    status: buildNodeStatus(shape, undefined, now),
  };
}

/**
 * Whether the server's status differs from ours in anything but heartbeat times — e.g. the
 * node-lifecycle controller set Ready=Unknown while we were stopped.
 */
export function nodeStatusChanged(current: NodeStatus | undefined, desired: NodeStatus): boolean {
  if (!current) return true;
  const conds = (s: NodeStatus) => JSON.stringify((s.conditions ?? []).map((c) => [c.type, c.status, c.reason]).sort());
  if (conds(current) !== conds(desired)) return true;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return !same(current.capacity, desired.capacity) || !same(current.allocatable, desired.allocatable) || !same(current.addresses, desired.addresses);
}

/** A fake InternalIP per node index: 10.255.x.y, y in 1..254. */
export function hollowNodeIp(index: number): string {
  return `10.255.${Math.floor(index / 254) % 256}.${(index % 254) + 1}`;
}
