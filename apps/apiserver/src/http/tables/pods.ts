/** Pods as `kubectl get pods` prints them: NAME READY STATUS RESTARTS AGE (+ IP NODE NOMINATED NODE READINESS GATES). */
import type { KubeObject } from '../../storage/store.ts';
import { formatAge, humanDuration } from '@skiff/api';
import { ageColumn, column, field, int, list, str, type TablePrinter } from './table.ts';

/** kubectl's STATUS: the phase, overridden by init progress, a container's waiting/terminated reason, or Terminating. */
export function podStatusReason(pod: KubeObject): string {
  let reason = str(pod, 'status', 'reason') || str(pod, 'status', 'phase');
  const initStatuses = list(pod, 'status', 'initContainerStatuses');
  const initCount = list(pod, 'spec', 'initContainers').length;
  let initializing = false;
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const terminated = field(cs, 'state', 'terminated');
    const waitingReason = str(cs, 'state', 'waiting', 'reason');
    if (terminated && int(terminated, 'exitCode') === 0) continue;
    if (terminated) {
      const r = str(terminated, 'reason');
      const signal = int(terminated, 'signal');
      reason = r ? `Init:${r}` : signal ? `Init:Signal:${signal}` : `Init:ExitCode:${int(terminated, 'exitCode')}`;
    } else if (waitingReason && waitingReason !== 'PodInitializing') {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    const statuses = list(pod, 'status', 'containerStatuses');
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      const waitingReason = str(cs, 'state', 'waiting', 'reason');
      const terminated = field(cs, 'state', 'terminated');
      if (waitingReason) reason = waitingReason;
      else if (terminated) {
        const r = str(terminated, 'reason');
        const signal = int(terminated, 'signal');
        reason = r || (signal ? `Signal:${signal}` : `ExitCode:${int(terminated, 'exitCode')}`);
      } else if (field(cs, 'state', 'running') && cs.ready === true) hasRunning = true;
    }
    // A pod whose last container finished but others still run is Running (or NotReady).
    if (reason === 'Completed' && hasRunning) {
      const ready = list(pod, 'status', 'conditions').find((c) => c.type === 'Ready');
      reason = ready?.status === 'True' ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp) reason = str(pod, 'status', 'reason') === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

/** RESTARTS: the count, with how long ago the last restart was, as recent kubectl prints it: '3 (5m ago)'. */
export function podRestarts(pod: KubeObject, now: number): string {
  let restarts = 0;
  let last = 0;
  for (const cs of [...list(pod, 'status', 'initContainerStatuses'), ...list(pod, 'status', 'containerStatuses')]) {
    restarts += int(cs, 'restartCount');
    const finished = Date.parse(str(cs, 'lastState', 'terminated', 'finishedAt'));
    if (!Number.isNaN(finished) && finished > last) last = finished;
  }
  return restarts > 0 && last > 0 ? `${restarts} (${humanDuration(now - last)} ago)` : String(restarts);
}

function podReady(pod: KubeObject): string {
  const total = list(pod, 'spec', 'containers').length;
  const ready = list(pod, 'status', 'containerStatuses').filter((cs) => cs.ready === true).length;
  return `${ready}/${total}`;
}

function readinessGates(pod: KubeObject): string {
  const gates = list(pod, 'spec', 'readinessGates');
  if (gates.length === 0) return '<none>';
  const conditions = list(pod, 'status', 'conditions');
  const ok = gates.filter((g) => conditions.some((c) => c.type === g.conditionType && c.status === 'True')).length;
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
  cells: (pod, now) => [
    podReady(pod), podStatusReason(pod), podRestarts(pod, now), formatAge(pod.metadata.creationTimestamp, now),
    str(pod, 'status', 'podIP') || '<none>', str(pod, 'spec', 'nodeName') || '<none>',
    str(pod, 'status', 'nominatedNodeName') || '<none>', readinessGates(pod),
  ],
};
