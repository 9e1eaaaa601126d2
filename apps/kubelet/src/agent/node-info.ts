/**
 * What a real node reports about itself: capacity from the machine, allocatable = capacity −
 * system-reserved, its address, and the nodeInfo block, as the NodeShape the shared
 * node-status code posts.
 */
import { readFileSync } from 'node:fs';
import { arch, cpus, networkInterfaces, release, totalmem } from 'node:os';
import { parseQuantity } from '@skiff/api';
import type { NodeShape } from '../node-status.ts';

export interface NodeInfoInput {
  nodeName: string;
  nodeIp: string;
  maxPods: number;
  labels: Record<string, string>;
  systemReserved: Record<string, string>;
  runtimeVersion: string;
  kubeletPort: number;
}

/** The first non-loopback IPv4 address of the host (or of the netns the process runs in). */
export function detectNodeIp(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function readFirstLine(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').split('\n')[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

function osImage(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1]!;
  } catch {
    // Not Linux-like: fall through.
  }
  return 'Linux';
}

export function buildNodeShape(input: NodeInfoInput): NodeShape {
  const cpuCount = Math.max(1, cpus().length);
  const memKi = Math.floor(totalmem() / 1024);
  const reservedCpuMilli = input.systemReserved.cpu ? parseQuantity(input.systemReserved.cpu).toMilli() : 0;
  const reservedMemKi = input.systemReserved.memory ? Math.ceil(parseQuantity(input.systemReserved.memory).toInteger() / 1024) : 0;
  const nodeArch = arch() === 'arm64' ? 'arm64' : arch() === 'x64' ? 'amd64' : arch();
  const machineId = readFirstLine('/etc/machine-id') ?? input.nodeName;
  return {
    name: input.nodeName,
    internalIp: input.nodeIp,
    cpu: String(cpuCount),
    memory: `${memKi}Ki`,
    maxPods: input.maxPods,
    labels: input.labels,
    runtimeVersion: input.runtimeVersion,
    arch: nodeArch,
    allocatable: {
      cpu: `${Math.max(0, cpuCount * 1000 - reservedCpuMilli)}m`,
      memory: `${Math.max(0, memKi - reservedMemKi)}Ki`,
    },
    kubeletPort: input.kubeletPort,
    nodeInfo: {
      // Several kubelets may share one machine (the lab): the node name keeps the ids apart.
      machineID: `${machineId}-${input.nodeName}`,
      systemUUID: input.nodeName,
      bootID: readFirstLine('/proc/sys/kernel/random/boot_id') ?? input.nodeName,
      kernelVersion: release(),
      osImage: osImage(),
    },
  };
}
