/** Which describer writes which kind (`group/resource`); kinds not listed get the generic one. */
import type { ResourceInfo } from '@skiff/api';
import { describeHorizontalPodAutoscaler } from './autoscaling.ts';
import { describeCronJob, describeJob } from './batch.ts';
import { describeNamespace, describeNode, describePod, describeService } from './core.ts';
import type { Describer } from './describer.ts';
import { describeIngress, describeIngressClass, describeNetworkPolicy } from './networking.ts';
import { describePodDisruptionBudget } from './policy.ts';
import { describeLimitRange, describeResourceQuota } from './quota.ts';
import { describePriorityClass } from './scheduling.ts';
import { describeUnstructured } from './unstructured.ts';
import { describePersistentVolume, describePersistentVolumeClaim, describeStorageClass } from './storage.ts';
import { describeDaemonSet, describeDeployment, describeReplicaSet, describeStatefulSet } from './workloads.ts';

const describers: Record<string, Describer> = {
  '/pods': describePod,
  '/services': describeService,
  '/nodes': describeNode,
  '/resourcequotas': describeResourceQuota,
  '/limitranges': describeLimitRange,
  '/namespaces': describeNamespace,
  '/persistentvolumeclaims': describePersistentVolumeClaim,
  '/persistentvolumes': describePersistentVolume,
  'apps/deployments': describeDeployment,
  'apps/replicasets': describeReplicaSet,
  'apps/statefulsets': describeStatefulSet,
  'apps/daemonsets': describeDaemonSet,
  'batch/jobs': describeJob,
  'batch/cronjobs': describeCronJob,
  'storage.k8s.io/storageclasses': describeStorageClass,
  'networking.k8s.io/ingresses': describeIngress,
  'networking.k8s.io/ingressclasses': describeIngressClass,
  'networking.k8s.io/networkpolicies': describeNetworkPolicy,
  'autoscaling/horizontalpodautoscalers': describeHorizontalPodAutoscaler,
  'policy/poddisruptionbudgets': describePodDisruptionBudget,
  'scheduling.k8s.io/priorityclasses': describePriorityClass,
};

export function describerFor(res: Pick<ResourceInfo, 'group' | 'resource' | 'namespaced'>): Describer {
  return describers[`${res.group}/${res.resource}`] ?? ((w, o) => describeUnstructured(w, o, res.namespaced));
}
