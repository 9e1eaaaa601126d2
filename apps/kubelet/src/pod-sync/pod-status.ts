/**
 * The status the kubelet writes for a pod running on a real runtime (kubelet's
 * generateAPIPodStatus): phase, the four conditions, container and init container statuses,
 * IPs and times. Computed from the runtime's record, the probe results and the reasons the
 * last syncPod left (CrashLoopBackOff, ImagePullBackOff, …), so computing it twice gives the
 * same answer and the caller writes only real changes. Times that did not change — condition
 * transitions, startTime — are kept from the pod's current status.
 */
import type { Container as KubeContainer, ContainerStatus as KubeContainerStatus, Pod, PodCondition, PodStatus } from '@skiff/api';
import {
  findContainerStatuses,
  formatTime,
  findReadySandbox,
  formatContainerId,
  isExited,
  isRunning,
  toKubeContainerState,
  type PodRuntimeStatus,
} from './container-status.ts';

export interface ProbeResults {
  /** Readiness by container name; a container with a readiness probe and no result is not ready. */
  readiness?: ReadonlyMap<string, boolean>;
  /** Startup by container name; a container with a startup probe and no result has not started. */
  startup?: ReadonlyMap<string, boolean>;
}

export interface WaitingReason {
  reason: string;
  message: string;
}

export interface BuildPodStatusOptions {
  /** Unix ms, for new transition times and startTime. */
  now: number;
  /**
   * The status this kubelet wrote last, which the pod object may not show yet (the informer lags
   * our own write): its conditions' transition times win, so a second sync inside that lag does not
   * restamp a transition that already happened (upstream's status manager keeps the same cache).
   */
  lastWritten?: PodStatus;
  hostIP: string;
  /** Why containers that should run do not, from the last syncPod, by container name. */
  waiting?: ReadonlyMap<string, WaitingReason>;
}

const OWN_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];

export function buildPodStatus(pod: Pod, runtime: PodRuntimeStatus, probes: ProbeResults, opts: BuildPodStatusOptions): PodStatus {
  const previous = pod.status ?? {};
  const waiting = opts.waiting ?? new Map<string, WaitingReason>();
  const initSpecs = pod.spec?.initContainers ?? [];
  const initStatuses = initSpecs.map((spec) => buildContainerStatus(spec, runtime, probes, waiting, { init: true, initPending: false }));
  const initDone =
    initStatuses.every((s) => s.state?.terminated?.exitCode === 0) ||
    (pod.spec?.containers ?? []).some((c) => findContainerStatuses(runtime, c.name).length > 0);
  const statuses = (pod.spec?.containers ?? []).map((spec) => buildContainerStatus(spec, runtime, probes, waiting, { init: false, initPending: !initDone }));

  const phase = getPodPhase(pod, initStatuses, statuses);
  const sandbox = findReadySandbox(runtime);
  const podIP = pod.spec?.hostNetwork ? opts.hostIP : sandbox?.ip || previous.podIP;
  const now = formatTime(opts.now);
  const condition = (type: string, ok: boolean, reason?: string, message?: string): PodCondition => {
    const status = ok ? 'True' : 'False';
    const before = opts.lastWritten?.conditions?.find((c) => c.type === type) ?? previous.conditions?.find((c) => c.type === type);
    return {
      type,
      status,
      lastTransitionTime: before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : now,
      ...(!ok && reason ? { reason } : {}),
      ...(!ok && message ? { message } : {}),
    };
  };
  const list = (xs: KubeContainerStatus[]) => `[${xs.map((s) => s.name).join(' ')}]`;
  const unready = statuses.filter((s) => !s.ready);
  const incomplete = initStatuses.filter((s) => s.state?.terminated?.exitCode !== 0);
  const containersReady = phase !== 'Succeeded' && unready.length === 0;
  const gatesPending = (pod.spec?.readinessGates ?? []).filter((g) => previous.conditions?.find((c) => c.type === g.conditionType)?.status !== 'True');
  const notReadyReason = phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady';
  const scheduled = previous.conditions?.find((c) => c.type === 'PodScheduled');

  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', sandbox !== undefined && (Boolean(sandbox.ip) || Boolean(pod.spec?.hostNetwork))),
    condition('Initialized', initDone, 'ContainersNotInitialized', `containers with incomplete status: ${list(incomplete)}`),
    containersReady && gatesPending.length > 0
      ? condition('Ready', false, 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${gatesPending[0]!.conditionType}" does not exist.`)
      : condition('Ready', containersReady, notReadyReason, phase === 'Succeeded' ? undefined : `containers with unready status: ${list(unready)}`),
    condition('ContainersReady', containersReady, notReadyReason, phase === 'Succeeded' ? undefined : `containers with unready status: ${list(unready)}`),
    scheduled ?? condition('PodScheduled', true),
    // Conditions others own (readiness gates, DisruptionTarget) are carried over untouched.
    ...(previous.conditions ?? []).filter((c) => !OWN_CONDITIONS.includes(c.type)),
  ];

  return {
    phase,
    conditions,
    hostIP: opts.hostIP,
    hostIPs: [{ ip: opts.hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: previous.startTime ?? now,
    ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    ...(previous.qosClass ? { qosClass: previous.qosClass } : {}),
  };
}

function buildContainerStatus(
  spec: KubeContainer,
  runtime: PodRuntimeStatus,
  probes: ProbeResults,
  waiting: ReadonlyMap<string, WaitingReason>,
  where: { init: boolean; initPending: boolean },
): KubeContainerStatus {
  const [latest, before] = findContainerStatuses(runtime, spec.name);
  const status: KubeContainerStatus = {
    name: spec.name,
    image: spec.image ?? '',
    imageID: latest?.imageRef ?? '',
    ready: false,
    restartCount: latest?.attempt ?? 0,
  };
  const why = waiting.get(spec.name);
  if (!latest) {
    const reason = why ?? { reason: where.init || where.initPending ? 'PodInitializing' : 'ContainerCreating', message: '' };
    status.state = { waiting: { reason: reason.reason, ...(reason.message ? { message: reason.message } : {}) } };
    status.started = false;
    return status;
  }
  status.containerID = formatContainerId(runtime.runtimeName, latest.id);
  status.state = toKubeContainerState(latest, runtime.runtimeName);
  if (isExited(before)) status.lastState = toKubeContainerState(before, runtime.runtimeName);
  // A dead container the kubelet will restart shows as waiting, its death as lastState.
  if (!isRunning(latest) && why) {
    if (status.state.terminated) status.lastState = status.state;
    status.state = { waiting: { reason: why.reason, ...(why.message ? { message: why.message } : {}) } };
  }
  if (where.init) {
    status.ready = isExited(latest) && latest.exitCode === 0 && !why;
    status.started = isRunning(latest);
    return status;
  }
  const started = isRunning(latest) && (!spec.startupProbe || probes.startup?.get(spec.name) === true);
  status.started = started;
  status.ready = started && (!spec.readinessProbe || probes.readiness?.get(spec.name) === true);
  return status;
}

/**
 * kubelet's getPhase. Worked example: restartPolicy OnFailure, one container exited 1 and is in
 * CrashLoopBackOff (waiting, with a lastState) → stopped=1, succeeded=0 → Running, because it
 * will be restarted; the same under Never → Failed. Terminal phases never go back.
 */
export function getPodPhase(pod: Pod, initStatuses: readonly KubeContainerStatus[], statuses: readonly KubeContainerStatus[]): string {
  const before = pod.status?.phase;
  if (before === 'Succeeded' || before === 'Failed') return before;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of initStatuses) {
    const terminated = s.state?.terminated ?? (s.state?.waiting ? s.lastState?.terminated : undefined);
    if (s.state?.terminated?.exitCode === 0) continue;
    if (terminated && terminated.exitCode !== 0) failedInit++;
    else pendingInit++;
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting && s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || failedInit > 0) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    const deleting = Boolean(pod.metadata?.deletionTimestamp);
    if (deleting) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}
