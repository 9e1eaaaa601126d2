/**
 * The status a hollow kubelet writes for a running pod, computed only from the runtime's
 * record (times included), so computing it twice gives the same answer and the kubelet
 * writes it once.
 */
import type { ContainerStatus as KubeContainerStatus, Pod, PodCondition, PodStatus } from '@skiff/api';
import type { ContainerStatus, PodSandboxStatus } from './container-runtime.ts';

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function buildRunningPodStatus(pod: Pod, hostIP: string, sandbox: PodSandboxStatus, containers: readonly ContainerStatus[]): PodStatus {
  const specContainers = pod.spec?.containers ?? [];
  const statuses: KubeContainerStatus[] = specContainers.map((spec) => {
    const c = containers.find((x) => x.name === spec.name && x.podSandboxId === sandbox.id);
    const running = c?.state === 'CONTAINER_RUNNING';
    return {
      name: spec.name,
      image: spec.image ?? '',
      imageID: c?.imageRef ?? '',
      ...(c ? { containerID: `fake://${c.id}` } : {}),
      ready: running,
      started: running,
      restartCount: 0,
      state: running ? { running: { startedAt: formatTime(c.startedAt) } } : { waiting: { reason: 'ContainerCreating' } },
    };
  });
  const allReady = statuses.length > 0 && statuses.every((s) => s.ready);
  const started = containers.filter((c) => c.podSandboxId === sandbox.id && c.startedAt > 0).map((c) => c.startedAt);
  const readySince = formatTime(started.length > 0 ? Math.max(...started) : sandbox.createdAt);
  const sandboxTime = formatTime(sandbox.createdAt);
  const condition = (type: string, ok: boolean, since: string): PodCondition => ({
    type, status: ok ? 'True' : 'False', lastTransitionTime: since,
    ...(ok || type === 'PodScheduled' || type === 'Initialized' ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${statuses.filter((s) => !s.ready).map((s) => s.name).join(' ')}]` }),
  });
  const initStatuses = (pod.spec?.initContainers ?? []).map((spec): KubeContainerStatus => ({
    name: spec.name, image: spec.image ?? '', imageID: '', ready: false, restartCount: 0,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: sandboxTime, finishedAt: sandboxTime } },
  }));
  return {
    phase: 'Running',
    conditions: [
      condition('PodReadyToStartContainers', true, sandboxTime),
      condition('Initialized', true, sandboxTime),
      condition('Ready', allReady, readySince),
      condition('ContainersReady', allReady, readySince),
      condition('PodScheduled', true, scheduledTime(pod) ?? sandboxTime),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    ...(sandbox.ip ? { podIP: sandbox.ip, podIPs: [{ ip: sandbox.ip }] } : { podIP: hostIP, podIPs: [{ ip: hostIP }] }),
    startTime: sandboxTime,
    containerStatuses: statuses,
    ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
    ...(pod.status?.qosClass ? { qosClass: pod.status.qosClass } : {}),
  };
}

/** The scheduler's PodScheduled transition time, kept as the scheduler wrote it. */
function scheduledTime(pod: Pod): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True')?.lastTransitionTime;
}

/**
 * Whether the server's status differs from what we would write in what matters: phase, IPs,
 * readiness and container states. Someone else flipping Ready (node-lifecycle marking pods
 * not ready while the node was away) makes us write again once we are back.
 */
export function podStatusNeedsUpdate(current: PodStatus | undefined, desired: PodStatus): boolean {
  if (!current) return true;
  if (current.phase !== desired.phase || current.podIP !== desired.podIP || current.hostIP !== desired.hostIP) return true;
  const cond = (s: PodStatus, type: string) => s.conditions?.find((c) => c.type === type)?.status;
  for (const type of ['Ready', 'ContainersReady', 'Initialized']) {
    if (cond(current, type) !== cond(desired, type)) return true;
  }
  const states = (s: PodStatus) => JSON.stringify((s.containerStatuses ?? []).map((c) => [c.name, c.ready, c.containerID, Object.keys(c.state ?? {})]));
  return states(current) !== states(desired);
}
