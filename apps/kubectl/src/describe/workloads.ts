/** Describers for the apps/v1 workloads: Deployment, ReplicaSet, StatefulSet, DaemonSet. */
import { isDeepStrictEqual } from 'node:util';
import { podsStatus, type DescribeEnv } from './describer.ts';
import { controllerOf, formatMap, formatSelector, formatTime, LAST_APPLIED, type Lines, type Obj } from './lines.ts';
import { describePodTemplate } from './pod-template.ts';

/** A workload's (or node's) conditions table; `withReason: false` is a Pod's, which has no rule line. */
export function describeConditions(w: Lines, conditions: Obj[] | undefined, withReason: boolean): void {
  if (!conditions?.length) return;
  w.add(0, 'Conditions:');
  if (!withReason) {
    w.add(1, 'Type\tStatus');
    for (const c of conditions) w.add(1, `${c.type} \t${c.status} `);
    return;
  }
  w.add(1, 'Type\tStatus\tReason').add(1, '----\t------\t------');
  for (const c of conditions) w.add(1, `${c.type}\t${c.status}\t${c.reason ?? ''}`);
}

const POD_TEMPLATE_HASH = 'pod-template-hash';

/** `web-5d4f (2/3 replicas created), ...` or `<none>` (kubectl's printReplicaSetsByLabels). */
function replicaSetsText(sets: Obj[]): string {
  return sets.map((rs) => `${rs.metadata?.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`).join(', ') || '<none>';
}

/** The new ReplicaSet runs the Deployment's template (the hash label aside); old ones with replicas still count. */
async function describeReplicaSetsOf(w: Lines, o: Obj, env: DescribeEnv): Promise<void> {
  const sets = (await env.controlled('replicasets', o)).sort((a, b) =>
    String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? '')),
  );
  const withoutHash = (rs: Obj): unknown => {
    const template = structuredClone(rs.spec?.template ?? {});
    if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH];
    return template;
  };
  const newRs = sets.find((rs) => isDeepStrictEqual(withoutHash(rs), o.spec?.template ?? {}));
  w.field(0, 'OldReplicaSets', replicaSetsText(sets.filter((rs) => rs !== newRs && (rs.spec?.replicas ?? 0) !== 0)));
  w.field(0, 'NewReplicaSet', replicaSetsText(newRs ? [newRs] : []));
}

export async function describeDeployment(w: Lines, o: Obj, env: DescribeEnv): Promise<void> {
  w.field(0, 'Name', o.metadata?.name).field(0, 'Namespace', o.metadata?.namespace);
  w.field(0, 'CreationTimestamp', formatTime(o.metadata?.creationTimestamp));
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  w.field(0, 'Selector', formatSelector(o.spec?.selector));
  const s = o.status ?? {};
  w.field(
    0,
    'Replicas',
    `${o.spec?.replicas ?? 0} desired | ${s.updatedReplicas ?? 0} updated | ${s.replicas ?? 0} total | ${s.availableReplicas ?? 0} available | ${s.unavailableReplicas ?? 0} unavailable`,
  );
  w.field(0, 'StrategyType', o.spec?.strategy?.type);
  w.field(0, 'MinReadySeconds', o.spec?.minReadySeconds ?? 0);
  const ru = o.spec?.strategy?.rollingUpdate;
  if (ru) w.field(0, 'RollingUpdateStrategy', `${ru.maxUnavailable} max unavailable, ${ru.maxSurge} max surge`);
  describePodTemplate(w, o.spec?.template);
  describeConditions(w, s.conditions, true);
  await describeReplicaSetsOf(w, o, env);
}

export async function describeReplicaSet(w: Lines, o: Obj, env: DescribeEnv): Promise<void> {
  w.field(0, 'Name', o.metadata?.name).field(0, 'Namespace', o.metadata?.namespace);
  w.field(0, 'Selector', formatSelector(o.spec?.selector));
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  const owner = controllerOf(o);
  if (owner) w.field(0, 'Controlled By', owner);
  w.field(0, 'Replicas', `${o.status?.replicas ?? 0} current / ${o.spec?.replicas ?? 0} desired`);
  w.field(0, 'Pods Status', await podsStatus(o, env));
  describePodTemplate(w, o.spec?.template);
  describeConditions(w, o.status?.conditions, true);
}

function describeVolumeClaimTemplates(w: Lines, templates: Obj[] | undefined): void {
  if (!templates?.length) {
    w.add(0, 'Volume Claims:\t<none>');
    return;
  }
  w.add(0, 'Volume Claims:');
  for (const pvc of templates) {
    w.field(1, 'Name', pvc.metadata?.name);
    w.add(1, `StorageClass:\t${pvc.spec?.storageClassName ?? pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? ''}`);
    w.labels(1, 'Labels', pvc.metadata?.labels).labels(1, 'Annotations', pvc.metadata?.annotations);
    w.field(1, 'Capacity', pvc.spec?.resources?.requests?.storage ?? '<default>');
    w.add(1, `Access Modes:\t[${(pvc.spec?.accessModes ?? []).join(' ')}]`);
  }
}

export async function describeStatefulSet(w: Lines, o: Obj, env: DescribeEnv): Promise<void> {
  w.field(0, 'Name', o.metadata?.name).field(0, 'Namespace', o.metadata?.namespace);
  w.field(0, 'CreationTimestamp', formatTime(o.metadata?.creationTimestamp));
  w.field(0, 'Selector', formatSelector(o.spec?.selector));
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  w.field(0, 'Replicas', `${o.spec?.replicas ?? 1} desired | ${o.status?.replicas ?? 0} total`);
  w.field(0, 'Update Strategy', o.spec?.updateStrategy?.type);
  const ru = o.spec?.updateStrategy?.rollingUpdate;
  if (ru?.partition !== undefined) w.field(1, 'Partition', ru.partition);
  if (ru?.maxUnavailable !== undefined) w.field(1, 'MaxUnavailable', ru.maxUnavailable);
  w.field(0, 'Pods Status', await podsStatus(o, env));
  describePodTemplate(w, o.spec?.template);
  describeVolumeClaimTemplates(w, o.spec?.volumeClaimTemplates);
}

export async function describeDaemonSet(w: Lines, o: Obj, env: DescribeEnv): Promise<void> {
  const s = o.status ?? {};
  w.field(0, 'Name', o.metadata?.name).field(0, 'Namespace', o.metadata?.namespace);
  w.field(0, 'Selector', formatSelector(o.spec?.selector));
  w.add(0, `Node-Selector:\t${formatMap(o.spec?.template?.spec?.nodeSelector)}`);
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  w.add(0, `Desired Number of Nodes Scheduled: ${s.desiredNumberScheduled ?? 0}`);
  w.add(0, `Current Number of Nodes Scheduled: ${s.currentNumberScheduled ?? 0}`);
  w.add(0, `Number of Nodes Scheduled with Up-to-date Pods: ${s.updatedNumberScheduled ?? 0}`);
  w.add(0, `Number of Nodes Scheduled with Available Pods: ${s.numberAvailable ?? 0}`);
  w.add(0, `Number of Nodes Misscheduled: ${s.numberMisscheduled ?? 0}`);
  w.field(0, 'Pods Status', await podsStatus(o, env));
  describePodTemplate(w, o.spec?.template);
}
