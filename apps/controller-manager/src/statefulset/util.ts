/**
 * Pure helpers of the statefulset controller (Kubernetes' stateful_set_utils.go, rewritten):
 * ordinals and identities, the pods and claims a StatefulSet makes, readiness.
 */
import type { PersistentVolumeClaim, Pod, StatefulSet, Volume } from '@skiff/api';
import { isPodAvailable, isPodReady } from '../common/pod-readiness.ts';
import { newControllerRef, type GroupVersionKind } from '../common/controller-ref.ts';
import { CONTROLLER_REVISION_HASH_LABEL } from '../common/controller-history.ts';

export const statefulSetGvk: GroupVersionKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export function replicasOf(set: StatefulSet): number {
  return set.spec?.replicas ?? 1;
}

/** The first ordinal (spec.ordinals.start, default 0). */
export function startOrdinalOf(set: StatefulSet): number {
  return (set.spec as { ordinals?: { start?: number } } | undefined)?.ordinals?.start ?? 0;
}

export function isParallel(set: StatefulSet): boolean {
  return set.spec?.podManagementPolicy === 'Parallel';
}

export function updateStrategyOf(set: StatefulSet): 'RollingUpdate' | 'OnDelete' {
  return set.spec?.updateStrategy?.type === 'OnDelete' ? 'OnDelete' : 'RollingUpdate';
}

export function partitionOf(set: StatefulSet): number {
  return set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
}

/** `<set>-<ordinal>` */
export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name}-${ordinal}`;
}

/** The ordinal of a pod named `<parent>-<n>`, or -1 when the name is not of that shape. */
export function ordinalOf(pod: Pod): number {
  const match = /^(.*)-(\d+)$/.exec(pod.metadata?.name ?? '');
  return match ? Number(match[2]) : -1;
}

/** The pod is named `<set>-<n>` for this set (isMemberOf). */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  const match = /^(.*)-(\d+)$/.exec(pod.metadata?.name ?? '');
  return match !== null && match[1] === set.metadata?.name;
}

/** `<claim template>-<set>-<ordinal>` */
export function claimName(set: StatefulSet, claimTemplate: string, ordinal: number): string {
  return `${claimTemplate}-${set.metadata?.name}-${ordinal}`;
}

export function revisionOf(pod: Pod): string | undefined {
  return pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

export function isCreated(pod: Pod): boolean {
  return pod.status?.phase !== undefined;
}

export function isFailed(pod: Pod): boolean {
  return pod.status?.phase === 'Failed';
}

export function isSucceeded(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded';
}

export function isTerminating(pod: Pod): boolean {
  return Boolean(pod.metadata?.deletionTimestamp);
}

export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, now: Date): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
}

/** Running, ready (and available) and not terminating: the ordered policy may move on. */
export function isHealthy(pod: Pod, minReadySeconds: number, now: Date): boolean {
  return isRunningAndAvailable(pod, minReadySeconds, now) && !isTerminating(pod);
}

/** The claims a pod of `ordinal` uses, one per volumeClaimTemplate, labelled with the set's selector. */
export function persistentVolumeClaims(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const matchLabels = set.spec?.selector?.matchLabels ?? {};
  return (set.spec?.volumeClaimTemplates ?? []).map((template) => {
    const name = claimName(set, template.metadata?.name ?? '', ordinal);
    const claim: PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name,
        namespace: set.metadata?.namespace,
        labels: { ...(template.metadata?.labels ?? {}), ...matchLabels },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      },
      spec: structuredClone(template.spec ?? {}),
    };
    // whenDeleted: Delete makes the set own its claims, so the garbage collector removes them with it.
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete') {
      claim.metadata!.ownerReferences = [newControllerRef(set, statefulSetGvk)];
    }
    return claim;
  });
}

/** The pod's volumes with one per claim template pointing at its claim (updateStorage). */
function volumesWithClaims(set: StatefulSet, ordinal: number, volumes: readonly Volume[]): Volume[] {
  const templates = set.spec?.volumeClaimTemplates ?? [];
  const claimed = new Set(templates.map((t) => t.metadata?.name ?? ''));
  const claimVolumes: Volume[] = templates.map((t) => ({
    name: t.metadata?.name ?? '',
    persistentVolumeClaim: { claimName: claimName(set, t.metadata?.name ?? '', ordinal) },
  }));
  return [...claimVolumes, ...volumes.filter((v) => !claimed.has(v.name))];
}

/**
 * newVersionedStatefulSetPod: the pod of `ordinal` from `set`'s template (the current or
 * update revision's), with its identity (name, hostname, subdomain, identity labels) and
 * storage, labelled with the revision it was made from.
 */
export function newStatefulSetPod(set: StatefulSet, ordinal: number, revisionName: string): Pod {
  const template = set.spec?.template;
  const name = podName(set, ordinal);
  const spec = structuredClone(template?.spec ?? { containers: [] }) as NonNullable<Pod['spec']>;
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  else delete spec.subdomain;
  const volumes = volumesWithClaims(set, ordinal, spec.volumes ?? []);
  if (volumes.length) spec.volumes = volumes;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace,
      labels: {
        ...(template?.metadata?.labels ?? {}),
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [CONTROLLER_REVISION_HASH_LABEL]: revisionName,
      },
      ...(template?.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ...(template?.metadata?.finalizers?.length ? { finalizers: [...template.metadata.finalizers] } : {}),
      ownerReferences: [newControllerRef(set, statefulSetGvk)],
    },
    spec,
  };
}
