/**
 * kubectl's rollout status viewers, message for message: one pure function per kind that
 * answers the line to print and whether the rollout is complete (or throws kubectl's error).
 */
import type { DaemonSet, Deployment, ResourceInfo, StatefulSet } from '@skiff/api';
import type { KubeObject } from '@skiff/client';
import { CliError } from '../errors.ts';

export interface RolloutStatus {
  message: string;
  done: boolean;
}
export type StatusViewer = (obj: KubeObject) => RolloutStatus;

export function deploymentStatus(d: Deployment): RolloutStatus {
  const name = d.metadata?.name ?? '';
  const status = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { message: 'Waiting for deployment spec update to be observed...', done: false };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    throw new CliError(`deployment "${name}" exceeded its progress deadline`);
  }
  const want = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < want) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`, done: false };
  }
  if (total > updated) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${total - updated} old replicas are pending termination...`, done: false };
  }
  if (available < updated) {
    return { message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`, done: false };
  }
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

export function daemonSetStatus(ds: DaemonSet): RolloutStatus {
  const name = ds.metadata?.name ?? '';
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    throw new CliError('rollout status is only available for RollingUpdate strategy type');
  }
  const status = ds.status;
  if ((ds.metadata?.generation ?? 0) > (status?.observedGeneration ?? 0)) {
    return { message: 'Waiting for daemon set spec update to be observed...', done: false };
  }
  const desired = status?.desiredNumberScheduled ?? 0;
  const updated = status?.updatedNumberScheduled ?? 0;
  const available = status?.numberAvailable ?? 0;
  if (updated < desired) {
    return { message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`, done: false };
  }
  if (available < desired) {
    return { message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`, done: false };
  }
  return { message: `daemon set "${name}" successfully rolled out`, done: true };
}

/**
 * As kubectl: with a rollingUpdate block (the server defaults one, partition 0) the rollout
 * is done once `replicas - partition` pods run the update revision. Worked example: 5
 * replicas, partition 3 → done when updatedReplicas reaches 2 (ordinals 3 and 4).
 * Without the block, done when currentRevision has caught up with updateRevision.
 */
export function statefulSetStatus(sts: StatefulSet): RolloutStatus {
  const strategy = sts.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    throw new CliError('rollout status is only available for RollingUpdate strategy type');
  }
  const status = sts.status;
  const observed = status?.observedGeneration ?? 0;
  if (observed === 0 || (sts.metadata?.generation ?? 0) > observed) {
    return { message: 'Waiting for statefulset spec update to be observed...', done: false };
  }
  const replicas = sts.spec?.replicas;
  const ready = status?.readyReplicas ?? 0;
  if (replicas !== undefined && ready < replicas) {
    return { message: `Waiting for ${replicas - ready} pods to be ready...`, done: false };
  }
  const updated = status?.updatedReplicas ?? 0;
  if (strategy?.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return { message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`, done: false };
    }
    return { message: `partitioned roll out complete: ${updated} new pods have been updated...`, done: true };
  }
  if (status?.updateRevision !== status?.currentRevision) {
    return { message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${status?.updateRevision ?? ''}...`, done: false };
  }
  return { message: `statefulset rolling update complete ${status?.currentReplicas ?? 0} pods at revision ${status?.currentRevision ?? ''}...`, done: true };
}

const viewers: Record<string, StatusViewer> = {
  'apps/Deployment': deploymentStatus as StatusViewer,
  'apps/DaemonSet': daemonSetStatus as StatusViewer,
  'apps/StatefulSet': statefulSetStatus as StatusViewer,
};

export function statusViewerFor(res: Pick<ResourceInfo, 'group' | 'kind'>): StatusViewer {
  const viewer = viewers[`${res.group}/${res.kind}`];
  if (!viewer) throw new CliError(`no status viewer has been implemented for ${groupKind(res)}`);
  return viewer;
}

/** 'Job.batch', 'Pod': how kubectl names a kind it has no helper for. */
export function groupKind(res: Pick<ResourceInfo, 'group' | 'kind'>): string {
  return res.group ? `${res.kind}.${res.group}` : res.kind;
}
