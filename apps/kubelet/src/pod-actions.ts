/**
 * What a pass of syncPod must do for one pod, given what the runtime has — kuberuntime's
 * computePodActions reduced to what a hollow node runs: kill the pod, create its sandbox,
 * which containers to start. Pure, so it is tested on tables.
 */
import type { Pod } from '@skiff/api';
import type { Container, PodSandbox } from './container-runtime.ts';

export interface PodActions {
  /** Stop and remove every sandbox and container of the pod. */
  killPod: boolean;
  /** No ready sandbox: create one (after killing the old ones). */
  createSandbox: boolean;
  /** Sandbox attempt number for the new sandbox. */
  attempt: number;
  /** Regular containers to create and start, in spec order. */
  containersToStart: string[];
  /** Why, for the log line. */
  reason: string;
}

export function computePodActions(pod: Pod, sandboxes: readonly PodSandbox[], containers: readonly Container[]): PodActions {
  const none: PodActions = { killPod: false, createSandbox: false, attempt: 0, containersToStart: [], reason: '' };
  const phase = pod.status?.phase;
  if (pod.metadata?.deletionTimestamp) return { ...none, killPod: sandboxes.length > 0 || containers.length > 0, reason: 'pod is being deleted' };
  if (phase === 'Succeeded' || phase === 'Failed') return { ...none, killPod: sandboxes.some((s) => s.state === 'SANDBOX_READY'), reason: `pod ${phase}` };

  const ready = sandboxes.filter((s) => s.state === 'SANDBOX_READY').sort((a, b) => b.createdAt - a.createdAt)[0];
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (!ready) {
    const attempt = sandboxes.reduce((max, s) => Math.max(max, s.metadata.attempt + 1), 0);
    return { killPod: sandboxes.length > 0, createSandbox: true, attempt, containersToStart: names, reason: sandboxes.length > 0 ? 'sandbox not ready' : 'no sandbox yet' };
  }
  const inSandbox = containers.filter((c) => c.podSandboxId === ready.id);
  // A container that never ran is (re)started; one that exited stays so (restartPolicy aside:
  // hollow containers only exit when the pod is killed).
  const toStart = names.filter((name) => !inSandbox.some((c) => c.name === name && c.state !== 'CONTAINER_CREATED'));
  return { ...none, attempt: ready.metadata.attempt, containersToStart: toStart, reason: toStart.length > 0 ? 'containers not started' : '' };
}
