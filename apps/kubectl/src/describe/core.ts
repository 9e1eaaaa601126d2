/** Describers for core/v1 Pod, Service, Node and Namespace (any other kind: unstructured.ts). */
import { controllerOf, formatSelector, formatTime, LAST_APPLIED, type Lines, type Obj } from './lines.ts';
import { describeContainers, describeVolumes, formatToleration } from './pod-template.ts';
import { describeConditions } from './workloads.ts';

/** Name, Namespace (of namespaced kinds), Labels, Annotations: how every describer starts. */
export function header(w: Lines, o: Obj, namespaced: boolean): void {
  w.field(0, 'Name', o.metadata?.name);
  if (namespaced) w.field(0, 'Namespace', o.metadata?.namespace);
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
}

export function describePod(w: Lines, o: Obj): void {
  w.field(0, 'Name', o.metadata?.name).field(0, 'Namespace', o.metadata?.namespace);
  w.field(0, 'Priority', o.spec?.priority ?? 0);
  w.field(0, 'Service Account', o.spec?.serviceAccountName);
  w.field(0, 'Node', o.spec?.nodeName ? `${o.spec.nodeName}/${o.status?.hostIP ?? ''}` : undefined);
  if (o.status?.startTime) w.field(0, 'Start Time', formatTime(o.status.startTime));
  w.labels(0, 'Labels', o.metadata?.labels).labels(0, 'Annotations', o.metadata?.annotations, [LAST_APPLIED]);
  w.field(0, 'Status', o.metadata?.deletionTimestamp ? 'Terminating' : o.status?.phase);
  w.add(0, `IP:\t${o.status?.podIP ?? ''}`);
  const owner = controllerOf(o);
  if (owner) w.field(0, 'Controlled By', owner);
  if (o.spec?.initContainers?.length) describeContainers(w, 'Init Containers', o.spec.initContainers, o.status?.initContainerStatuses, '');
  describeContainers(w, 'Containers', o.spec?.containers, o.status?.containerStatuses, '');
  describeConditions(w, o.status?.conditions, false);
  describeVolumes(w, o.spec?.volumes, '');
  w.field(0, 'QoS Class', o.status?.qosClass);
  w.labels(0, 'Node-Selectors', o.spec?.nodeSelector);
  w.field(0, 'Tolerations', ((o.spec?.tolerations ?? []) as Obj[]).map(formatToleration).join('\n'));
}

export function describeService(w: Lines, o: Obj): void {
  header(w, o, true);
  w.field(0, 'Selector', formatSelector(o.spec?.selector ? { matchLabels: o.spec.selector } : undefined));
  w.field(0, 'Type', o.spec?.type);
  w.field(0, 'IP Families', (o.spec?.ipFamilies ?? []).join(','));
  w.field(0, 'IP', o.spec?.clusterIP);
  for (const p of (o.spec?.ports ?? []) as Obj[]) {
    w.field(0, 'Port', `${p.name ?? '<unset>'}  ${p.port}/${p.protocol ?? 'TCP'}`);
    w.field(0, 'TargetPort', `${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`);
    if (p.nodePort) w.field(0, 'NodePort', `${p.name ?? '<unset>'}  ${p.nodePort}/${p.protocol ?? 'TCP'}`);
  }
  w.field(0, 'Session Affinity', o.spec?.sessionAffinity ?? 'None');
}

export function describeNode(w: Lines, o: Obj): void {
  header(w, o, false);
  w.field(0, 'Roles', '<none>');
  w.field(0, 'CreationTimestamp', formatTime(o.metadata?.creationTimestamp));
  w.field(0, 'Taints', ((o.spec?.taints ?? []) as Obj[]).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join('\n'));
  w.field(0, 'Unschedulable', o.spec?.unschedulable === true ? 'true' : 'false');
  describeConditions(w, o.status?.conditions, true);
  w.field(0, 'Addresses', ((o.status?.addresses ?? []) as Obj[]).map((a) => `${a.type}: ${a.address}`).join('\n'));
  w.field(
    0,
    'Capacity',
    Object.entries(o.status?.capacity ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
  );
  w.field(
    0,
    'Allocatable',
    Object.entries(o.status?.allocatable ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
  );
  w.field(0, 'PodCIDR', o.spec?.podCIDR);
}

export function describeNamespace(w: Lines, o: Obj): void {
  header(w, o, false);
  w.field(0, 'Status', o.status?.phase);
}
