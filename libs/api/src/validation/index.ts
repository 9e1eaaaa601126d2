/**
 * `validateObject(res, obj, old?)`: Kubernetes' create (and, with `old`, update) validation for
 * every kind we serve, returning field errors the registry turns into a 422 Invalid Status.
 * Call it after defaultObject(), as the apiserver does.
 */
import type { ResourceInfo } from '../resource-info.ts';
import { checkDns1035Label, checkDns1123Label, checkDns1123Subdomain } from '../names.ts';
import {
  validateMutatingWebhookConfiguration,
  validateValidatingAdmissionPolicy,
  validateValidatingAdmissionPolicyBinding,
  validateValidatingWebhookConfiguration,
} from './admissionregistration.ts';
import { validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from './apiextensions.ts';
import { validateApiService } from './apiregistration.ts';
import { validateHorizontalPodAutoscaler } from './autoscaling.ts';
import { validatePodDisruptionBudget } from './policy.ts';
import { validateLimitRange, validateResourceQuota } from './quota.ts';
import { validatePriorityClass, validatePriorityClassUpdate } from './scheduling.ts';
import { validateCronJob, validateJob, validateJobUpdate } from './batch.ts';
import { validateBinding, validateEvent, validateLease, validateNamespace, validateNode, validateNodeUpdate, validateServiceAccount } from './cluster.ts';
import { validateCertificateSigningRequest, validateCertificateSigningRequestUpdate } from './certificates.ts';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate } from './config.ts';
import { validateDaemonSet } from './daemonset.ts';
import { type FieldError, invalid, isObject } from './field-error.ts';
import { type NameCheck, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { validateIngress, validateIngressClass, validateIngressClassAnnotation, validateIngressClassUpdate, validateNetworkPolicy } from './networking.ts';
import { validatePod, validatePodUpdate } from './pod.ts';
import { checkPathSegmentName, validateBindingUpdate, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './rbac.ts';
import { validateControllerRevision, validateControllerRevisionUpdate, validateStatefulSet, validateStatefulSetUpdate } from './statefulset.ts';
import { validateStorageClass, validateStorageClassUpdate } from './storage.ts';
import { validateEndpointSlice, validateEndpointSliceUpdate, validateEndpoints, validateService, validateServiceUpdate } from './service.ts';
import { validateDeployment, validateReplicaSet, validateReplicationController, validateSelectorUpdate } from './workloads.ts';

export * from './field-error.ts';
export { validateLabels, validateAnnotations, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
export { validatePodSpec } from './pod.ts';
export { INGRESS_CLASS_ANNOTATION } from './networking.ts';
export { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_JOB_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from './batch.ts';

interface KindValidation {
  name?: NameCheck;
  /** On create and on every update. */
  create?: (obj: any) => FieldError[];
  /** On create only (upstream's Validate*Create checks that stored objects need not pass again). */
  createOnly?: (obj: any) => FieldError[];
  update?: (obj: any, old: any) => FieldError[];
}

const kinds: Record<string, KindValidation> = {
  '/Pod': { create: validatePod, update: validatePodUpdate },
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': { create: validateMutatingWebhookConfiguration },
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': { create: validateValidatingWebhookConfiguration },
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy': { create: validateValidatingAdmissionPolicy },
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding': { create: validateValidatingAdmissionPolicyBinding },
  'apiextensions.k8s.io/CustomResourceDefinition': { create: validateCustomResourceDefinition, update: validateCustomResourceDefinitionUpdate },
  // `v1.` (the core group's APIService) is a path segment, not a DNS subdomain.
  'apiregistration.k8s.io/APIService': { name: checkPathSegmentName, create: validateApiService },
  '/Service': { name: checkDns1035Label, create: validateService, update: validateServiceUpdate },
  '/Endpoints': { create: validateEndpoints },
  '/Namespace': { name: checkDns1123Label, create: validateNamespace },
  '/Node': { create: validateNode, update: validateNodeUpdate },
  '/ConfigMap': { create: validateConfigMap, update: validateConfigMapUpdate },
  '/Secret': { create: validateSecret, update: validateSecretUpdate },
  '/ServiceAccount': { create: validateServiceAccount },
  '/Event': { name: eventName, create: (e) => validateEvent(e, false) },
  '/Binding': { create: validateBinding },
  '/ReplicationController': { create: validateReplicationController },
  '/ResourceQuota': { create: validateResourceQuota },
  '/LimitRange': { create: validateLimitRange },
  'apps/Deployment': { create: validateDeployment, update: validateSelectorUpdate },
  'apps/ReplicaSet': { create: validateReplicaSet, update: validateSelectorUpdate },
  'apps/StatefulSet': { create: validateStatefulSet, update: validateStatefulSetUpdate },
  'apps/DaemonSet': { create: validateDaemonSet, update: validateSelectorUpdate },
  'apps/ControllerRevision': { create: validateControllerRevision, update: validateControllerRevisionUpdate },
  'batch/Job': { create: validateJob, update: validateJobUpdate },
  'batch/CronJob': { create: validateCronJob },
  'certificates.k8s.io/CertificateSigningRequest': { create: validateCertificateSigningRequest, update: validateCertificateSigningRequestUpdate },
  'coordination.k8s.io/Lease': { create: validateLease },
  'autoscaling/HorizontalPodAutoscaler': { create: validateHorizontalPodAutoscaler },
  'policy/PodDisruptionBudget': { create: validatePodDisruptionBudget },
  'scheduling.k8s.io/PriorityClass': { create: validatePriorityClass, update: validatePriorityClassUpdate },
  'networking.k8s.io/Ingress': { create: validateIngress, createOnly: validateIngressClassAnnotation },
  'networking.k8s.io/IngressClass': { create: validateIngressClass, update: validateIngressClassUpdate },
  'networking.k8s.io/NetworkPolicy': { create: validateNetworkPolicy },
  'discovery.k8s.io/EndpointSlice': { create: validateEndpointSlice, update: validateEndpointSliceUpdate },
  'events.k8s.io/Event': { name: eventName, create: (e) => validateEvent(e, true) },
  'storage.k8s.io/StorageClass': { create: validateStorageClass, update: validateStorageClassUpdate },
  'rbac.authorization.k8s.io/Role': { name: checkPathSegmentName, create: validateRole },
  'rbac.authorization.k8s.io/ClusterRole': { name: checkPathSegmentName, create: validateClusterRole },
  'rbac.authorization.k8s.io/RoleBinding': { name: checkPathSegmentName, create: validateRoleBinding, update: validateBindingUpdate },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { name: checkPathSegmentName, create: validateClusterRoleBinding, update: validateBindingUpdate },
};

/** Event names are generated from object names plus a suffix; Kubernetes only requires a path segment. */
function eventName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  if (name.includes('/')) return ["may not contain '/'"];
  if (name.includes('%')) return ["may not contain '%'"];
  return [];
}

/** The checker for a kind's `metadata.name`: most are DNS subdomains, some labels. */
export function nameCheckFor(res: Pick<ResourceInfo, 'group' | 'kind'>): NameCheck {
  return kinds[`${res.group}/${res.kind}`]?.name ?? checkDns1123Subdomain;
}

export function validateObject(res: ResourceInfo, obj: any, old?: any): FieldError[] {
  if (!isObject(obj)) return [invalid('', obj, 'must be an object')];
  const v = kinds[`${res.group}/${res.kind}`] ?? {};
  const errs = validateObjectMeta(res, obj.metadata, v.name ?? checkDns1123Subdomain);
  if (v.create) errs.push(...v.create(obj));
  if (old === undefined || old === null) {
    if (v.createOnly) errs.push(...v.createOnly(obj));
  } else {
    errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    if (v.update) errs.push(...v.update(obj, old));
  }
  return errs;
}
