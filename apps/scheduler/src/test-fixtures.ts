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
      ownerReferences: input.ownerUid
        ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: input.ownerUid, controller: true }]
        : undefined,
    },
    spec: {
      nodeName: input.nodeName,
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
    status: { phase: 'Pending' },
  };
}

export function makePodInfo(name: string, input: PodSpecInput = {}): PodInfo {
  return newPodInfo(makePod(name, input));
}
