/** Deployment, ReplicaSet and ReplicationController defaults (pkg/apis/apps/v1, core/v1). */
import { defaultPodTemplate } from './pod.ts';

export function defaultDeployment(d: any): void {
  d.spec ??= {};
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(rs: any): void {
  rs.spec ??= {};
  rs.spec.replicas ??= 1;
  defaultPodTemplate(rs.spec.template);
}

/** RCs predate label selectors: an empty selector (and empty labels) come from the template's labels. */
export function defaultReplicationController(rc: any): void {
  rc.spec ??= {};
  const spec = rc.spec;
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(templateLabels).length > 0) {
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...templateLabels };
    rc.metadata ??= {};
    if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...templateLabels };
  }
  spec.replicas ??= 1;
  defaultPodTemplate(spec.template);
}
