/** Deployment, ReplicaSet, ReplicationController, StatefulSet and DaemonSet defaults (pkg/apis/apps/v1, core/v1). */
import { canonicalizeResourceList, defaultPodTemplate } from './pod.ts';

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

/** SetDefaults_PersistentVolumeClaimSpec for a StatefulSet's volumeClaimTemplates (plus the type meta kubectl shows). */
function defaultVolumeClaimTemplate(claim: any): void {
  if (!claim || typeof claim !== 'object') return;
  claim.apiVersion ??= 'v1';
  claim.kind ??= 'PersistentVolumeClaim';
  claim.spec ??= {};
  claim.spec.volumeMode ??= 'Filesystem';
  canonicalizeResourceList(claim.spec.resources?.requests);
  canonicalizeResourceList(claim.spec.resources?.limits);
  claim.status ??= {};
  claim.status.phase ??= 'Pending';
}

/** SetDefaults_StatefulSet (apps/v1); MaxUnavailableStatefulSet is off, so rollingUpdate.maxUnavailable stays unset. */
export function defaultStatefulSet(sts: any): void {
  sts.spec ??= {};
  const spec = sts.spec;
  spec.podManagementPolicy ||= 'OrderedReady';
  spec.updateStrategy ??= {};
  if (!spec.updateStrategy.type) {
    spec.updateStrategy.type = 'RollingUpdate';
    spec.updateStrategy.rollingUpdate ??= {};
  }
  if (spec.updateStrategy.type === 'RollingUpdate' && spec.updateStrategy.rollingUpdate) {
    spec.updateStrategy.rollingUpdate.partition ??= 0;
  }
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain';
  spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template);
  if (Array.isArray(spec.volumeClaimTemplates)) for (const claim of spec.volumeClaimTemplates) defaultVolumeClaimTemplate(claim);
}

/** SetDefaults_DaemonSet (apps/v1): roll one node at a time, no surge. */
export function defaultDaemonSet(ds: any): void {
  ds.spec ??= {};
  const spec = ds.spec;
  spec.updateStrategy ??= {};
  spec.updateStrategy.type ||= 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template);
}
