/**
 * What the runtime has for one pod (kuberuntime's PodStatus), and the conversion of one
 * runtime container into a Kubernetes ContainerState. Every container of the pod is kept, also
 * the exited ones of earlier attempts, newest first, because restart counts, lastState and
 * back-off are read from them.
 */
import type { ContainerState as KubeContainerState, Pod } from '@skiff/api';
import { LABEL_POD_UID, type ContainerRuntime, type ContainerStatus, type PodSandboxStatus } from '../container-runtime.ts';

/** RFC 3339 with second precision, as the API shows times (runtime times are Unix ms). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export interface PodRuntimeStatus {
  /** The runtime's name ('docker', 'fake'): the scheme of containerIDs. */
  runtimeName: string;
  /** Every sandbox of the pod, newest first. */
  sandboxes: PodSandboxStatus[];
  /** Every container of the pod (init and regular, all attempts), newest first. */
  containers: ContainerStatus[];
}

/** Reads the pod's sandboxes and containers from the runtime by the pod uid label. */
export async function getPodRuntimeStatus(runtime: ContainerRuntime, podUid: string): Promise<PodRuntimeStatus> {
  const filter = { labels: { [LABEL_POD_UID]: podUid } };
  const sandboxes = (await Promise.all((await runtime.listPodSandboxes(filter)).map((s) => runtime.podSandboxStatus(s.id)))).filter(
    (s): s is PodSandboxStatus => s !== undefined,
  );
  const containers = (await Promise.all((await runtime.listContainers(filter)).map((c) => runtime.containerStatus(c.id)))).filter(
    (c): c is ContainerStatus => c !== undefined,
  );
  return { runtimeName: runtime.name, sandboxes: sortNewestFirst(sandboxes), containers: sortNewestFirst(containers) };
}

/** Newest first; the attempt number breaks ties of containers created in the same millisecond. */
export function sortNewestFirst<T extends { createdAt: number; attempt?: number; metadata?: { attempt: number } }>(items: readonly T[]): T[] {
  const attempt = (x: T) => x.attempt ?? x.metadata?.attempt ?? 0;
  return [...items].sort((a, b) => b.createdAt - a.createdAt || attempt(b) - attempt(a));
}

/** Every instance of the named container, newest first. */
export function findContainerStatuses(status: PodRuntimeStatus, name: string): ContainerStatus[] {
  return status.containers.filter((c) => c.name === name);
}

export function findLatestContainerStatus(status: PodRuntimeStatus, name: string): ContainerStatus | undefined {
  return status.containers.find((c) => c.name === name);
}

/** The ready sandbox to run containers in: the newest, when it is ready. */
export function findReadySandbox(status: PodRuntimeStatus): PodSandboxStatus | undefined {
  const newest = status.sandboxes[0];
  return newest?.state === 'SANDBOX_READY' ? newest : undefined;
}

export function isRunning(c: ContainerStatus | undefined): boolean {
  return c?.state === 'CONTAINER_RUNNING';
}

export function isExited(c: ContainerStatus | undefined): c is ContainerStatus {
  return c?.state === 'CONTAINER_EXITED';
}

export function formatContainerId(runtimeName: string, id: string): string {
  return `${runtimeName}://${id}`;
}

/**
 * The Kubernetes state of one runtime container. Terminated reasons: the runtime's own when it
 * says more than "it exited" (OOMKilled), otherwise Completed for exit 0 and Error for the rest.
 */
export function toKubeContainerState(c: ContainerStatus, runtimeName: string): KubeContainerState {
  switch (c.state) {
    case 'CONTAINER_RUNNING':
      return { running: { startedAt: formatTime(c.startedAt || c.createdAt) } };
    case 'CONTAINER_EXITED':
      return {
        terminated: {
          exitCode: c.exitCode,
          reason: getTerminatedReason(c),
          ...(c.message ? { message: c.message } : {}),
          startedAt: formatTime(c.startedAt || c.createdAt),
          finishedAt: formatTime(c.finishedAt || c.startedAt || c.createdAt),
          containerID: formatContainerId(runtimeName, c.id),
        },
      };
    case 'CONTAINER_CREATED':
      return { waiting: { reason: 'ContainerCreating' } };
    default:
      return { waiting: { reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' } };
  }
}

export function getTerminatedReason(c: ContainerStatus): string {
  if (c.reason === 'OOMKilled' || c.reason === 'ContainerCannotRun' || c.reason === 'DeadlineExceeded') return c.reason;
  return c.exitCode === 0 ? 'Completed' : 'Error';
}

/** The stable back-off key of a container: a new spec hash starts a new back-off history. */
export function getContainerBackoffKey(pod: Pod, containerName: string, hash: string): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}/${pod.metadata?.uid ?? ''}/${containerName}/${hash}`;
}
