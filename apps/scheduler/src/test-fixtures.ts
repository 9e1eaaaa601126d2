/** Builders for unit tests: nodes and pods with just the fields scheduling reads. */
import type { Container, Node, Pod, Taint, Toleration } from '@skiff/api';
import type { Affinity } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from './cache.ts';
import { newPodInfo, type PodInfo } from './pod-info.ts';

export interface NodeSpecInput {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  ready?: 'True' | 'False' | 'Unknown' | undefined;
  unschedulable?: boolean;
}

export function makeNode(name: string, input: NodeSpecInput = {}): Node {
  const allocatable = { cpu: input.cpu ?? '4', memory: input.memory ?? '16Gi', pods: input.pods ?? '110' };
  const ready = 'ready' in input ? input.ready : 'True';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...input.labels } },
    spec: { taints: input.taints, unschedulable: input.unschedulable },
    status: { capacity: allocatable, allocatable, conditions: ready ? [{ type: 'Ready', status: ready }] : [] },
  };
}

export function makeNodeInfo(name: string, input: NodeSpecInput = {}): NodeInfo {
  const info = new NodeInfo(name);
  info.setNode(makeNode(name, input));
  return info;
}

export interface PodSpecInput {
  namespace?: string;
  cpu?: string;
  memory?: string;
  hostPorts?: { port: number; protocol?: string; hostIP?: string }[];
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  ownerUid?: string;
  nodeName?: string;
  initContainers?: Container[];
  priority?: number;
  preemptionPolicy?: 'Never' | 'PreemptLowerPriority';
  labels?: Record<string, string>;
  /** status.startTime (ISO). */
  startTime?: string;
  /** Set a deletionTimestamp, as for a pod that is terminating. */
  deleting?: boolean;
  conditions?: NonNullable<Pod['status']>['conditions'];
}

export function makePod(name: string, input: PodSpecInput = {}): Pod {
  const requests: Record<string, string> = {};
  if (input.cpu) requests.cpu = input.cpu;
  if (input.memory) requests.memory = input.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: input.namespace ?? 'default',
      uid: `uid-${name}`,
      labels: input.labels,
      deletionTimestamp: input.deleting ? '2026-01-01T00:00:00Z' : undefined,
      ownerReferences: input.ownerUid ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: input.ownerUid, controller: true }] : undefined,
    },
    spec: {
      nodeName: input.nodeName,
      priority: input.priority,
      preemptionPolicy: input.preemptionPolicy,
      nodeSelector: input.nodeSelector,
      affinity: input.affinity,
      tolerations: input.tolerations,
      initContainers: input.initContainers,
      containers: [
        {
          name: 'main',
          image: 'busybox',
          resources: { requests },
          ports: input.hostPorts?.map((p) => ({ containerPort: p.port, hostPort: p.port, protocol: p.protocol, hostIP: p.hostIP })),
        },
      ],
    },
    status: { phase: input.nodeName ? 'Running' : 'Pending', startTime: input.startTime, conditions: input.conditions },
  };
}

export function makePodInfo(name: string, input: PodSpecInput = {}): PodInfo {
  return newPodInfo(makePod(name, input));
}
