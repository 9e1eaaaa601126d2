/**
 * What one pass of syncPod must do for a pod, given what the runtime has — kuberuntime's
 * computePodActions. Pure: the crash-loop back-off is only read here (syncPod records restarts
 * in it), the clock and liveness results come in as inputs, so it is tested on tables.
 *
 * The ladder: deleting or finished → kill what still runs; sandbox missing or broken → kill
 * and start over (first init container, or every container); init containers in order; then
 * regular containers to start (restartPolicy and back-off permitting) or kill (spec hash
 * changed, liveness failed); nothing alive and nothing to restart → kill the pod's sandbox.
 */
import { goDuration, type Container as KubeContainer, type Pod } from '@skiff/api';
import type { ContainerStatus } from '../container-runtime.ts';
import type { Backoff } from './backoff.ts';
import { findContainerStatuses, findReadySandbox, getContainerBackoffKey, isExited, isRunning, type PodRuntimeStatus } from './container-status.ts';
import { hashContainerSpec, LABEL_CONTAINER_HASH } from './spec-hash.ts';

export interface ContainerToStart {
  name: string;
  init: boolean;
  /** The new container's attempt number: its restartCount. */
  attempt: number;
  hash: string;
  backoffKey: string;
  /** When the previous instance exited, for recording the restart in the back-off. */
  previousFinishedAt?: number;
  reason: string;
}

export interface ContainerToKill {
  id: string;
  name: string;
  /** The event message, as the kubelet words it. */
  message: string;
}

export interface ContainerInBackOff {
  name: string;
  init: boolean;
  /** Unix ms when the back-off ends: the caller requeues the pod then. */
  retryAt: number;
  message: string;
}

export interface PodActions {
  /** Stop every container and sandbox of the pod that is still alive. */
  killPod: boolean;
  killReason: string;
  createSandbox: boolean;
  /** The attempt of the sandbox to create, or of the ready one in use. */
  sandboxAttempt: number;
  /** The ready sandbox to start containers in (when not creating one). */
  sandboxId?: string;
  nextInitContainer?: ContainerToStart;
  /** An init container failed under restartPolicy Never: the pod has failed. */
  initFailed: boolean;
  containersToStart: ContainerToStart[];
  containersToKill: ContainerToKill[];
  /** Containers that should restart but are still in CrashLoopBackOff. */
  backOff: ContainerInBackOff[];
}

export interface ComputePodActionsOptions {
  /** Unix ms; defaults to Date.now(). */
  now?: number;
  /** The crash-loop back-off, read only. Without it, restarts are never delayed. */
  backoff?: Backoff;
  /** Names of containers whose liveness probe failed. */
  livenessFailed?: ReadonlySet<string>;
}

export function computePodActions(pod: Pod, status: PodRuntimeStatus, opts: ComputePodActionsOptions = {}): PodActions {
  const actions: PodActions = {
    killPod: false,
    killReason: '',
    createSandbox: false,
    sandboxAttempt: 0,
    initFailed: false,
    containersToStart: [],
    containersToKill: [],
    backOff: [],
  };
  const ctx: Context = { pod, status, opts, now: opts.now ?? Date.now(), actions };
  const alive =
    status.sandboxes.some((s) => s.state === 'SANDBOX_READY') ||
    status.containers.some((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
  const kill = (reason: string) => Object.assign(actions, { killPod: alive, killReason: alive ? reason : '' });

  if (pod.metadata?.deletionTimestamp) return kill('pod is being deleted');
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return kill(`pod has ${phase.toLowerCase()}`);

  const policy = pod.spec?.restartPolicy ?? 'Always';
  const sandbox = findReadySandbox(status);
  const readyCount = status.sandboxes.filter((s) => s.state === 'SANDBOX_READY').length;
  if (!sandbox || readyCount > 1 || (!pod.spec?.hostNetwork && !sandbox.ip)) {
    kill(status.sandboxes.length === 0 ? 'no sandbox yet' : 'pod sandbox changed, it will be killed and re-created');
    const attempt = status.sandboxes.length > 0 ? Math.max(...status.sandboxes.map((s) => s.metadata.attempt)) + 1 : 0;
    // A pod that must not restart and already ran keeps its dead sandbox: its phase is final.
    if (policy === 'Never' && attempt !== 0 && status.containers.length > 0) return actions;
    const specs = (pod.spec?.containers ?? []).filter((c) => !(policy === 'OnFailure' && hasSucceeded(status, c.name)));
    if (specs.length === 0) return actions;
    actions.createSandbox = true;
    actions.sandboxAttempt = attempt;
    const init = pod.spec?.initContainers?.[0];
    if (init) decideStart(ctx, init, true, 'init containers run first in a new sandbox');
    else for (const spec of specs) decideStart(ctx, spec, false, 'new sandbox');
    return actions;
  }

  actions.sandboxId = sandbox.id;
  actions.sandboxAttempt = sandbox.metadata.attempt;
  const inSandbox = (name: string) => status.containers.find((c) => c.name === name && c.podSandboxId === sandbox.id);

  // Init containers run one at a time, in order; regular containers wait for all of them.
  for (const spec of pod.spec?.initContainers ?? []) {
    const c = inSandbox(spec.name);
    if (isExited(c) && c.exitCode === 0) continue;
    if (isRunning(c)) return actions;
    if (isExited(c) && policy === 'Never') {
      actions.initFailed = true;
      kill(`init container ${spec.name} failed with exit code ${c.exitCode}`);
      return actions;
    }
    decideStart(ctx, spec, true, c ? `init container exited with code ${c.exitCode}` : 'init container not started');
    return actions;
  }

  let keepCount = 0;
  for (const spec of pod.spec?.containers ?? []) {
    const c = inSandbox(spec.name);
    if (!isRunning(c)) {
      if (shouldRestart(c, policy)) decideStart(ctx, spec, false, c ? `container exited with code ${c.exitCode}` : 'container not started');
      continue;
    }
    const hash = hashContainerSpec(spec);
    let message: string;
    let restart: boolean;
    if (c!.labels[LABEL_CONTAINER_HASH] !== undefined && c!.labels[LABEL_CONTAINER_HASH] !== hash) {
      message = `Container ${spec.name} definition changed, will be restarted`;
      restart = true;
    } else if (opts.livenessFailed?.has(spec.name)) {
      message = `Container ${spec.name} failed liveness probe, will be restarted`;
      restart = policy !== 'Never';
    } else {
      keepCount++;
      continue;
    }
    actions.containersToKill.push({ id: c!.id, name: spec.name, message });
    if (restart) {
      // Restarted at once, like the kubelet: the running instance is not a crash.
      const previous = findContainerStatuses(status, spec.name)[0];
      actions.containersToStart.push({
        name: spec.name,
        init: false,
        attempt: (previous?.attempt ?? 0) + 1,
        hash,
        backoffKey: getContainerBackoffKey(pod, spec.name, hash),
        reason: message,
      });
    }
  }
  if (keepCount === 0 && actions.containersToStart.length === 0 && actions.backOff.length === 0) {
    kill('no containers are running and none will restart');
  }
  return actions;
}

interface Context {
  pod: Pod;
  status: PodRuntimeStatus;
  opts: ComputePodActionsOptions;
  now: number;
  actions: PodActions;
}

/** Adds a container to start, or to the back-off list when its last crash is too recent. */
function decideStart(ctx: Context, spec: KubeContainer, init: boolean, reason: string): void {
  const { pod, status, opts, now, actions } = ctx;
  const hash = hashContainerSpec(spec);
  const key = getContainerBackoffKey(pod, spec.name, hash);
  const previous = findContainerStatuses(status, spec.name)[0];
  const finishedAt = isExited(previous) ? previous.finishedAt || previous.createdAt : undefined;
  if (finishedAt !== undefined && opts.backoff?.isInBackOffSince(key, finishedAt, now)) {
    const podName = `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
    actions.backOff.push({
      name: spec.name,
      init,
      retryAt: opts.backoff.expiresAt(key, finishedAt),
      message: `back-off ${formatDuration(opts.backoff.get(key))} restarting failed container=${spec.name} pod=${podName}`,
    });
    return;
  }
  const toStart: ContainerToStart = {
    name: spec.name,
    init,
    attempt: previous ? previous.attempt + 1 : 0,
    hash,
    backoffKey: key,
    reason,
    ...(finishedAt !== undefined ? { previousFinishedAt: finishedAt } : {}),
  };
  if (init) actions.nextInitContainer = toStart;
  else actions.containersToStart.push(toStart);
}

/** kubelet's ShouldContainerBeRestarted for a container that is not running. */
function shouldRestart(c: ContainerStatus | undefined, policy: string): boolean {
  if (!c || c.state === 'CONTAINER_CREATED' || c.state === 'CONTAINER_UNKNOWN') return true;
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return c.exitCode !== 0;
  return true;
}

function hasSucceeded(status: PodRuntimeStatus, name: string): boolean {
  const latest = findContainerStatuses(status, name)[0];
  return isExited(latest) && latest.exitCode === 0;
}

/** Go's time.Duration format for whole seconds, as kubelet messages show it: 10s, 2m40s, 5m0s. */
export function formatDuration(ms: number): string {
  return goDuration(Math.round(ms / 1000) * 1000);
}
