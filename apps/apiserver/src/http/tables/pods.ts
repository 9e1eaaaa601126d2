/** Pods as `kubectl get pods` prints them: NAME READY STATUS RESTARTS AGE (+ IP NODE NOMINATED NODE READINESS GATES). */
import type { KubeObject } from '../../storage/store.ts';
import { formatAge, humanDuration } from '@skiff/api';
import { ageColumn, column, field, int, list, str, type TablePrinter } from './table.ts';

/** READY, STATUS and RESTARTS: kube's printPod works them out in one walk over the container statuses. */
export interface PodSummary {
  ready: string;
  reason: string;
  restarts: string;
}

type ContainerStatus = Record<string, unknown>;

/** A sidecar: an init container with `restartPolicy: Always`, which runs beside the app containers. */
function isSidecar(container: unknown): boolean {
  return field(container, 'restartPolicy') === 'Always';
}

function conditionTrue(pod: KubeObject, type: string): boolean {
  return list(pod, 'status', 'conditions').some((c) => c.type === type && c.status === 'True');
}

/** 'Signal:9', 'ExitCode:2' or the terminated state's reason. */
function terminatedReason(terminated: unknown): string {
  const reason = str(terminated, 'reason');
  if (reason) return reason;
  const signal = int(terminated, 'signal');
  return signal ? `Signal:${signal}` : `ExitCode:${int(terminated, 'exitCode')}`;
}

/** The latest `lastState.terminated.finishedAt` and the restart count of some statuses. */
class RestartTally {
  count = 0;
  last = 0;
  add(cs: ContainerStatus): void {
    this.count += int(cs, 'restartCount');
    const finished = Date.parse(str(cs, 'lastState', 'terminated', 'finishedAt'));
    if (!Number.isNaN(finished) && finished > this.last) this.last = finished;
  }
}

/**
 * kubectl's READY/STATUS/RESTARTS. STATUS is the phase (or status.reason), then
 * SchedulingGated, the first unfinished init container (`Init:1/2`, `Init:Error`), or
 * the app containers' waiting/terminated reasons, then Terminating for a deleted pod
 * that has not finished. Sidecars count towards READY; once the pod is initialized,
 * only sidecar and app container restarts count, as plain init containers are done.
 */
export function summarizePod(pod: KubeObject, now: number): PodSummary {
  const phase = str(pod, 'status', 'phase');
  let reason = str(pod, 'status', 'reason') || phase;
  const scheduling = list(pod, 'status', 'conditions').find((c) => c.type === 'PodScheduled');
  if (scheduling?.reason === 'SchedulingGated') reason = 'SchedulingGated';

  const initContainers = list(pod, 'spec', 'initContainers');
  const sidecars = new Set(initContainers.filter(isSidecar).map((c) => String(c.name)));
  const total = list(pod, 'spec', 'containers').length + sidecars.size;
  let ready = 0;
  const all = new RestartTally();
  const sidecarRestarts = new RestartTally();

  let initializing = false;
  const initStatuses = list(pod, 'status', 'initContainerStatuses');
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    all.add(cs);
    const sidecar = sidecars.has(String(cs.name));
    if (sidecar) sidecarRestarts.add(cs);
    const terminated = field(cs, 'state', 'terminated');
    const waitingReason = str(cs, 'state', 'waiting', 'reason');
    if (terminated && int(terminated, 'exitCode') === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (terminated) reason = `Init:${terminatedReason(terminated)}`;
    else if (waitingReason && waitingReason !== 'PodInitializing') reason = `Init:${waitingReason}`;
    else reason = `Init:${i}/${initContainers.length}`;
    initializing = true;
    break;
  }

  let restarts = all;
  if (!initializing || conditionTrue(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    let hasRunning = false;
    const statuses = list(pod, 'status', 'containerStatuses');
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts.add(cs);
      const waitingReason = str(cs, 'state', 'waiting', 'reason');
      const terminated = field(cs, 'state', 'terminated');
      if (waitingReason) reason = waitingReason;
      else if (terminated) reason = terminatedReason(terminated);
      else if (cs.ready === true && field(cs, 'state', 'running')) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose last container finished but others still run is Running (or NotReady).
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp) {
    if (str(pod, 'status', 'reason') === 'NodeLost') reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }
  const restartText = restarts.count !== 0 && restarts.last > 0 ? `${restarts.count} (${humanDuration(now - restarts.last)} ago)` : String(restarts.count);
  return { ready: `${ready}/${total}`, reason, restarts: restartText };
}

/** kubectl's STATUS column alone. */
export function podStatusReason(pod: KubeObject, now = Date.now()): string {
  return summarizePod(pod, now).reason;
}

/** IP: the first of status.podIPs (status.podIP on older objects). */
function podIp(pod: KubeObject): string {
  const first = list(pod, 'status', 'podIPs')[0];
  return str(first, 'ip') || str(pod, 'status', 'podIP') || '<none>';
}

/** '1/2': gates whose condition is True, judged by the first condition of that type. */
function readinessGates(pod: KubeObject): string {
  const gates = list(pod, 'spec', 'readinessGates');
  if (gates.length === 0) return '<none>';
  const conditions = list(pod, 'status', 'conditions');
  const ok = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${ok}/${gates.length}`;
}

export const podPrinter: TablePrinter = {
  columns: [
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn,
    column('IP', 'IP address allocated to the pod. Routable at least within the cluster.', { wide: true }),
    column('Node', 'Name of the Node this pod is assigned to.', { wide: true }),
    column('Nominated Node', 'Name of the node nominated for this pod by the scheduler.', { wide: true }),
    column('Readiness Gates', 'Readiness gates the pod must pass before it is ready.', { wide: true }),
  ],
  cells: (pod, now) => {
    const summary = summarizePod(pod, now);
    return [
      summary.ready,
      summary.reason,
      summary.restarts,
      formatAge(pod.metadata.creationTimestamp, now),
      podIp(pod),
      str(pod, 'spec', 'nodeName') || '<none>',
      str(pod, 'status', 'nominatedNodeName') || '<none>',
      readinessGates(pod),
    ];
  },
};
