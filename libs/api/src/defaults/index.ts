/**
 * `defaultObject(res, obj)`: the defaults Kubernetes applies to an object before validation on
 * create and update (SetDefaults_* in pkg/apis/<group>/<version>/defaults.go, plus the few the
 * registries set on create, such as a Namespace's `kubernetes` finalizer).
 */
import type { ResourceInfo } from '../resource-info.ts';
import { canonicalizeResourceList, defaultPod } from './pod.ts';
import { defaultEndpointSlice, defaultEndpoints, defaultService } from './service.ts';
import { defaultCronJob, defaultJob } from './batch.ts';
import { defaultStorageClass } from './storage.ts';
import { defaultBinding } from './rbac.ts';
import { defaultIngressClass, defaultNetworkPolicy } from './networking.ts';
import {
  defaultMutatingWebhookConfiguration,
  defaultValidatingAdmissionPolicy,
  defaultValidatingAdmissionPolicyBinding,
  defaultValidatingWebhookConfiguration,
} from './admissionregistration.ts';
import { defaultCustomResourceDefinition } from './apiextensions.ts';
import { defaultApiService } from './apiregistration.ts';
import { defaultHorizontalPodAutoscaler } from './autoscaling.ts';
import { defaultPodDisruptionBudget } from './policy.ts';
import { defaultLimitRange } from './quota.ts';
import { defaultPriorityClass } from './scheduling.ts';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultReplicationController, defaultStatefulSet } from './workloads.ts';
import { fillAlwaysSerializedFields } from './zero-values.ts';

export { defaultImagePullPolicy, defaultPodSpec, defaultPodTemplate, imageTag } from './pod.ts';

function defaultNamespace(ns: any): void {
  ns.spec ??= {};
  if (!Array.isArray(ns.spec.finalizers)) ns.spec.finalizers = ['kubernetes'];
  ns.status ??= {};
  ns.status.phase ??= 'Active';
  // Since 1.21 every namespace carries its own name as a label, so selectors can pick namespaces.
  const name = ns.metadata?.name;
  if (name) {
    ns.metadata.labels ??= {};
    ns.metadata.labels['kubernetes.io/metadata.name'] = name;
  }
}

function defaultNode(node: any): void {
  const status = node.status;
  if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
  canonicalizeResourceList(status?.capacity);
  canonicalizeResourceList(status?.allocatable);
}

/**
 * `stringData` is write-only: Kubernetes merges it into `data` (base64, winning over `data`)
 * when it decodes the request, so it is never stored or returned.
 */
function defaultSecret(secret: any): void {
  secret.type ??= 'Opaque';
  const stringData = secret.stringData;
  if (stringData && typeof stringData === 'object' && !Array.isArray(stringData)) {
    secret.data ??= {};
    for (const [key, value] of Object.entries(stringData)) {
      if (typeof value === 'string') secret.data[key] = Buffer.from(value, 'utf8').toString('base64');
    }
    delete secret.stringData;
  }
}

function defaultLease(_lease: any): void {
  // coordination.k8s.io/v1 has no defaults.
}

const defaulters: Record<string, (obj: any) => void> = {
  '/Pod': defaultPod,
  '/LimitRange': defaultLimitRange,
  '/Service': defaultService,
  '/Endpoints': defaultEndpoints,
  '/Namespace': defaultNamespace,
  '/Node': defaultNode,
  '/Secret': defaultSecret,
  '/ReplicationController': defaultReplicationController,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/StatefulSet': defaultStatefulSet,
  'apps/DaemonSet': defaultDaemonSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'storage.k8s.io/StorageClass': defaultStorageClass,
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
  'coordination.k8s.io/Lease': defaultLease,
  'autoscaling/HorizontalPodAutoscaler': defaultHorizontalPodAutoscaler,
  'policy/PodDisruptionBudget': defaultPodDisruptionBudget,
  'scheduling.k8s.io/PriorityClass': defaultPriorityClass,
  'networking.k8s.io/NetworkPolicy': defaultNetworkPolicy,
  'networking.k8s.io/IngressClass': defaultIngressClass,
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': defaultMutatingWebhookConfiguration,
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': defaultValidatingWebhookConfiguration,
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': defaultValidatingAdmissionPolicy,
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': defaultValidatingAdmissionPolicyBinding,
  'apiextensions.k8s.io/CustomResourceDefinition': defaultCustomResourceDefinition,
  'apiregistration.k8s.io/APIService': defaultApiService,
  'rbac.authorization.k8s.io/RoleBinding': defaultBinding,
  'rbac.authorization.k8s.io/ClusterRoleBinding': defaultBinding,
};

/** Applies Kubernetes' defaults in place, then the zero values Go always serialises. */
export function defaultObject(res: Pick<ResourceInfo, 'group' | 'kind'>, obj: any): void {
  if (!obj || typeof obj !== 'object') return;
  const groupKind = `${res.group}/${res.kind}`;
  defaulters[groupKind]?.(obj);
  fillAlwaysSerializedFields(groupKind, obj);
}
