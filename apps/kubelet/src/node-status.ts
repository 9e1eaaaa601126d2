/** The Node object a kubelet (Docker or hollow) registers and the status it keeps posting. */
import type { Node, NodeCondition, NodeStatus } from '@skiff/api';
import { formatTime } from './pod-sync/container-status.ts';

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
  /** Real nodes: capacity minus system-reserved (default: capacity). */
  allocatable?: Record<string, string>;
  ephemeralStorage?: string;
  /** daemonEndpoints.kubeletEndpoint.Port (default 10250). */
  kubeletPort?: number;
  /** Real nodes: kernel, OS image, machine/boot ids. */
  nodeInfo?: Partial<NonNullable<NodeStatus['nodeInfo']>>;
  /** Set while the node cannot run pods (container runtime down): Ready=False with this reason. */
  notReady?: { reason: string; message: string };
  /** Real nodes given --pod-cidr: registered with it in spec.podCIDR. */
  podCidr?: string;
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
  const conditions: NodeCondition[] = CONDITIONS.map(([type, okStatus, okReason, okMessage]) => {
    const down = type === 'Ready' ? shape.notReady : undefined;
    const [status, reason, message] = down ? ['False', down.reason, down.message] : [okStatus, okReason, okMessage];
    const old = current?.conditions?.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: nowText,
      lastTransitionTime: old?.status === status && old.lastTransitionTime ? old.lastTransitionTime : nowText,
    };
  });
  const resources = { cpu: shape.cpu, memory: shape.memory, pods: String(shape.maxPods), 'ephemeral-storage': shape.ephemeralStorage ?? '100Gi' };
  return {
    capacity: resources,
    allocatable: { ...resources, ...shape.allocatable },
    conditions,
    addresses: [
      { type: 'InternalIP', address: shape.internalIp },
      { type: 'Hostname', address: shape.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: shape.kubeletPort ?? 10250 } },
    nodeInfo: {
      machineID: shape.name,
      systemUUID: shape.name,
      bootID: shape.name,
      kernelVersion: 'hollow',
      osImage: 'Skiff hollow node',
      containerRuntimeVersion: shape.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: shape.arch,
      ...shape.nodeInfo,
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
        'beta.kubernetes.io/arch': shape.arch,
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': shape.arch,
        'kubernetes.io/hostname': shape.name,
        'kubernetes.io/os': 'linux',
        ...shape.labels,
      },
    },
    spec: shape.podCidr ? { podCIDR: shape.podCidr, podCIDRs: [shape.podCidr] } : {},
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
