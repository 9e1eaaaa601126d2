/**
 * Field tables for the top-level kinds a protobuf body may carry, and which message each
 * apiVersion/kind decodes with. The kinds are the ones client-go's typed clients send to Skiff:
 * everything `kubectl create <generator>` makes that Skiff serves (namespace, deployment,
 * configmap, secret, service, serviceaccount), the reviews behind `kubectl auth`, CSR approval
 * (`kubectl certificate approve`), pods, resource quotas (`kubectl create quota`), replica sets, jobs and cron jobs (`kubectl create job|cronjob`),
 * DeleteOptions/Eviction (drain), the RBAC kinds (`kubectl create role|rolebinding|...`, in rbac-schema.ts)
 * and Ingress (`kubectl create ingress`, in networking-schema.ts).
 * Numbers from Kubernetes' generated.proto files; names are JSON's.
 */
import type { SchemaSet } from './message-decoder.ts';

export const kindSchemas: SchemaSet = {
  // core/v1
  Namespace: { 1: 'metadata ObjectMeta', 2: 'spec NamespaceSpec', 3: 'status NamespaceStatus' },
  NamespaceSpec: { 1: 'finalizers []string' },
  NamespaceStatus: { 1: 'phase', 2: 'conditions []NamespaceCondition' },
  NamespaceCondition: { 1: 'type', 2: 'status', 4: 'lastTransitionTime Time', 5: 'reason', 6: 'message' },
  ConfigMap: { 1: 'metadata ObjectMeta', 4: 'immutable *bool', 2: 'data map[string]', 3: 'binaryData map[bytes]' },
  Secret: { 1: 'metadata ObjectMeta', 5: 'immutable *bool', 2: 'data map[bytes]', 4: 'stringData map[string]', 3: 'type' },
  ServiceAccount: {
    1: 'metadata ObjectMeta',
    2: 'secrets []ObjectReference',
    3: 'imagePullSecrets []LocalObjectReference',
    4: 'automountServiceAccountToken *bool',
  },
  ObjectReference: { 1: 'kind', 2: 'namespace', 3: 'name', 4: 'uid', 5: 'apiVersion', 6: 'resourceVersion', 7: 'fieldPath' },
  Service: { 1: 'metadata ObjectMeta', 2: 'spec ServiceSpec', 3: 'status ServiceStatus' },
  ServiceSpec: {
    1: 'ports []ServicePort',
    2: 'selector map[string]',
    3: 'clusterIP',
    18: 'clusterIPs []string',
    4: 'type',
    5: 'externalIPs []string',
    7: 'sessionAffinity',
    8: 'loadBalancerIP',
    9: 'loadBalancerSourceRanges []string',
    10: 'externalName',
    11: 'externalTrafficPolicy',
    12: 'healthCheckNodePort int32',
    13: 'publishNotReadyAddresses bool',
    14: 'sessionAffinityConfig SessionAffinityConfig',
    19: 'ipFamilies []string',
    17: 'ipFamilyPolicy *string',
    20: 'allocateLoadBalancerNodePorts *bool',
    21: 'loadBalancerClass *string',
    22: 'internalTrafficPolicy *string',
    23: 'trafficDistribution *string',
  },
  ServicePort: { 1: 'name', 2: 'protocol', 6: 'appProtocol *string', 3: 'port int32', 4: 'targetPort IntOrString', 5: 'nodePort int32' },
  SessionAffinityConfig: { 1: 'clientIP ClientIPConfig' },
  ClientIPConfig: { 1: 'timeoutSeconds *int32' },
  ServiceStatus: { 1: 'loadBalancer LoadBalancerStatus', 2: 'conditions []Condition' },
  LoadBalancerStatus: { 1: 'ingress []LoadBalancerIngress' },
  LoadBalancerIngress: { 1: 'ip', 2: 'hostname', 3: 'ipMode *string', 4: 'ports []PortStatus' },
  PortStatus: { 1: 'port int32', 2: 'protocol', 3: 'error *string' },
  Pod: { 1: 'metadata ObjectMeta', 2: 'spec PodSpec', 3: 'status PodStatus' },
  // `kubectl create quota`.
  ResourceQuota: { 1: 'metadata ObjectMeta', 2: 'spec ResourceQuotaSpec', 3: 'status ResourceQuotaStatus' },
  ResourceQuotaSpec: { 1: 'hard map[Quantity]', 2: 'scopes []string', 3: 'scopeSelector ScopeSelector' },
  ResourceQuotaStatus: { 1: 'hard map[Quantity]', 2: 'used map[Quantity]' },
  ScopeSelector: { 1: 'matchExpressions []ScopedResourceSelectorRequirement' },
  ScopedResourceSelectorRequirement: { 1: 'scopeName', 2: 'operator', 3: 'values []string' },
  PodStatus: {
    17: 'observedGeneration int64',
    1: 'phase',
    2: 'conditions []PodCondition',
    3: 'message',
    4: 'reason',
    11: 'nominatedNodeName',
    5: 'hostIP',
    16: 'hostIPs []HostIP',
    6: 'podIP',
    12: 'podIPs []PodIP',
    7: 'startTime *Time',
    10: 'initContainerStatuses []ContainerStatus',
    8: 'containerStatuses []ContainerStatus',
    9: 'qosClass',
    14: 'resize',
  },
  PodCondition: {
    1: 'type',
    7: 'observedGeneration int64',
    2: 'status',
    3: 'lastProbeTime Time',
    4: 'lastTransitionTime Time',
    5: 'reason',
    6: 'message',
  },
  HostIP: { 1: 'ip' },
  PodIP: { 1: 'ip' },
  ContainerStatus: {
    1: 'name',
    2: 'state ContainerState',
    3: 'lastState ContainerState',
    4: 'ready *bool',
    5: 'restartCount *int32',
    6: 'image',
    7: 'imageID',
    8: 'containerID',
    9: 'started *bool',
  },
  ContainerState: {
    1: 'waiting ContainerStateWaiting',
    2: 'running ContainerStateRunning',
    3: 'terminated ContainerStateTerminated',
  },
  ContainerStateWaiting: { 1: 'reason', 2: 'message' },
  ContainerStateRunning: { 1: 'startedAt Time' },
  ContainerStateTerminated: {
    1: 'exitCode *int32',
    2: 'signal int32',
    3: 'reason',
    4: 'message',
    5: 'startedAt Time',
    6: 'finishedAt Time',
    7: 'containerID',
  },

  // apps/v1
  Deployment: { 1: 'metadata ObjectMeta', 2: 'spec DeploymentSpec', 3: 'status DeploymentStatus' },
  DeploymentSpec: {
    1: 'replicas *int32',
    2: 'selector LabelSelector',
    3: 'template PodTemplateSpec',
    4: 'strategy DeploymentStrategy',
    5: 'minReadySeconds int32',
    6: 'revisionHistoryLimit *int32',
    7: 'paused bool',
    9: 'progressDeadlineSeconds *int32',
  },
  DeploymentStrategy: { 1: 'type', 2: 'rollingUpdate RollingUpdateDeployment' },
  RollingUpdateDeployment: { 1: 'maxUnavailable *IntOrString', 2: 'maxSurge *IntOrString' },
  DeploymentStatus: {
    1: 'observedGeneration int64',
    2: 'replicas int32',
    3: 'updatedReplicas int32',
    7: 'readyReplicas int32',
    4: 'availableReplicas int32',
    5: 'unavailableReplicas int32',
    9: 'terminatingReplicas *int32',
    6: 'conditions []DeploymentCondition',
    8: 'collisionCount *int32',
  },
  DeploymentCondition: {
    1: 'type',
    2: 'status',
    6: 'lastUpdateTime Time',
    7: 'lastTransitionTime Time',
    4: 'reason',
    5: 'message',
  },
  ReplicaSet: { 1: 'metadata ObjectMeta', 2: 'spec ReplicaSetSpec', 3: 'status ReplicaSetStatus' },
  ReplicaSetSpec: { 1: 'replicas *int32', 4: 'minReadySeconds int32', 2: 'selector LabelSelector', 3: 'template PodTemplateSpec' },
  ReplicaSetStatus: {
    1: 'replicas int32',
    2: 'fullyLabeledReplicas int32',
    4: 'readyReplicas int32',
    5: 'availableReplicas int32',
    7: 'terminatingReplicas *int32',
    3: 'observedGeneration int64',
    6: 'conditions []ReplicaSetCondition',
  },
  ReplicaSetCondition: { 1: 'type', 2: 'status', 3: 'lastTransitionTime Time', 4: 'reason', 5: 'message' },

  // batch/v1: `kubectl create job`, `create cronjob` and `create job --from=cronjob/NAME`.
  Job: { 1: 'metadata ObjectMeta', 2: 'spec JobSpec', 3: 'status JobStatus' },
  JobSpec: {
    1: 'parallelism *int32',
    2: 'completions *int32',
    3: 'activeDeadlineSeconds *int64',
    11: 'podFailurePolicy PodFailurePolicy',
    16: 'successPolicy SuccessPolicy',
    7: 'backoffLimit *int32',
    12: 'backoffLimitPerIndex *int32',
    13: 'maxFailedIndexes *int32',
    4: 'selector LabelSelector',
    5: 'manualSelector *bool',
    6: 'template PodTemplateSpec',
    8: 'ttlSecondsAfterFinished *int32',
    9: 'completionMode *string',
    10: 'suspend *bool',
    14: 'podReplacementPolicy *string',
    15: 'managedBy *string',
  },
  PodFailurePolicy: { 1: 'rules []PodFailurePolicyRule' },
  PodFailurePolicyRule: {
    1: 'action',
    2: 'onExitCodes PodFailurePolicyOnExitCodesRequirement',
    3: 'onPodConditions []PodFailurePolicyOnPodConditionsPattern',
  },
  PodFailurePolicyOnExitCodesRequirement: { 1: 'containerName *string', 2: 'operator', 3: 'values []int32' },
  PodFailurePolicyOnPodConditionsPattern: { 1: 'type', 2: 'status' },
  SuccessPolicy: { 1: 'rules []SuccessPolicyRule' },
  SuccessPolicyRule: { 1: 'succeededIndexes *string', 2: 'succeededCount *int32' },
  JobStatus: {
    1: 'conditions []JobCondition',
    2: 'startTime *Time',
    3: 'completionTime *Time',
    4: 'active int32',
    5: 'succeeded int32',
    6: 'failed int32',
    11: 'terminating *int32',
    7: 'completedIndexes',
    10: 'failedIndexes *string',
    8: 'uncountedTerminatedPods UncountedTerminatedPods',
    9: 'ready *int32',
  },
  JobCondition: { 1: 'type', 2: 'status', 3: 'lastProbeTime Time', 4: 'lastTransitionTime Time', 5: 'reason', 6: 'message' },
  UncountedTerminatedPods: { 1: 'succeeded []string', 2: 'failed []string' },
  JobTemplateSpec: { 1: 'metadata ObjectMeta', 2: 'spec JobSpec' },
  CronJob: { 1: 'metadata ObjectMeta', 2: 'spec CronJobSpec', 3: 'status CronJobStatus' },
  CronJobSpec: {
    1: 'schedule',
    8: 'timeZone *string',
    2: 'startingDeadlineSeconds *int64',
    3: 'concurrencyPolicy',
    4: 'suspend *bool',
    5: 'jobTemplate JobTemplateSpec',
    6: 'successfulJobsHistoryLimit *int32',
    7: 'failedJobsHistoryLimit *int32',
  },
  CronJobStatus: { 1: 'active []ObjectReference', 4: 'lastScheduleTime *Time', 5: 'lastSuccessfulTime *Time' },

  // authorization.k8s.io/v1 and authentication.k8s.io/v1: `kubectl auth can-i`, `auth whoami`
  SelfSubjectAccessReview: { 1: 'metadata ObjectMeta', 2: 'spec SelfSubjectAccessReviewSpec', 3: 'status SubjectAccessReviewStatus' },
  SelfSubjectAccessReviewSpec: { 1: 'resourceAttributes ResourceAttributes', 2: 'nonResourceAttributes NonResourceAttributes' },
  ResourceAttributes: {
    1: 'namespace',
    2: 'verb',
    3: 'group',
    4: 'version',
    5: 'resource',
    6: 'subresource',
    7: 'name',
    8: 'fieldSelector FieldSelectorAttributes',
    9: 'labelSelector LabelSelectorAttributes',
  },
  FieldSelectorAttributes: { 1: 'rawSelector', 2: 'requirements []FieldSelectorRequirement' },
  LabelSelectorAttributes: { 1: 'rawSelector', 2: 'requirements []LabelSelectorRequirement' },
  NonResourceAttributes: { 1: 'path', 2: 'verb' },
  SubjectAccessReviewStatus: { 1: 'allowed bool', 4: 'denied bool', 2: 'reason', 3: 'evaluationError' },
  SelfSubjectRulesReview: { 1: 'metadata ObjectMeta', 2: 'spec SelfSubjectRulesReviewSpec', 3: 'status SubjectRulesReviewStatus' },
  SelfSubjectRulesReviewSpec: { 1: 'namespace' },
  SubjectRulesReviewStatus: {
    1: 'resourceRules []ResourceRule',
    2: 'nonResourceRules []NonResourceRule',
    3: 'incomplete bool',
    4: 'evaluationError',
  },
  ResourceRule: { 1: 'verbs []string', 2: 'apiGroups []string', 3: 'resources []string', 4: 'resourceNames []string' },
  NonResourceRule: { 1: 'verbs []string', 2: 'nonResourceURLs []string' },
  SelfSubjectReview: { 1: 'metadata ObjectMeta', 2: 'status SelfSubjectReviewStatus' },
  SelfSubjectReviewStatus: { 1: 'userInfo UserInfo' },
  UserInfo: { 1: 'username', 2: 'uid', 3: 'groups []string', 4: 'extra map[ExtraValue]' },
  // `kubectl create token` (serviceaccounts/token) and TokenReview.
  TokenRequest: { 1: 'metadata ObjectMeta', 2: 'spec TokenRequestSpec', 3: 'status TokenRequestStatus' },
  TokenRequestSpec: { 1: 'audiences []string', 4: 'expirationSeconds *int64', 3: 'boundObjectRef BoundObjectReference' },
  BoundObjectReference: { 1: 'kind', 2: 'apiVersion', 3: 'name', 4: 'uid' },
  TokenRequestStatus: { 1: 'token', 2: 'expirationTimestamp Time' },
  TokenReview: { 1: 'metadata ObjectMeta', 2: 'spec TokenReviewSpec', 3: 'status TokenReviewStatus' },
  TokenReviewSpec: { 1: 'token', 2: 'audiences []string' },
  TokenReviewStatus: { 1: 'authenticated bool', 2: 'user UserInfo', 4: 'audiences []string', 3: 'error' },

  // certificates.k8s.io/v1: `kubectl certificate approve|deny` PUTs the approval subresource.
  CertificateSigningRequest: {
    1: 'metadata ObjectMeta',
    2: 'spec CertificateSigningRequestSpec',
    3: 'status CertificateSigningRequestStatus',
  },
  CertificateSigningRequestSpec: {
    1: 'request bytes',
    7: 'signerName',
    8: 'expirationSeconds *int32',
    5: 'usages []string',
    2: 'username',
    3: 'uid',
    4: 'groups []string',
    6: 'extra map[ExtraValue]',
  },
  CertificateSigningRequestStatus: { 1: 'conditions []CertificateSigningRequestCondition', 2: 'certificate bytes' },
  CertificateSigningRequestCondition: {
    1: 'type',
    6: 'status',
    2: 'reason',
    3: 'message',
    4: 'lastUpdateTime Time',
    5: 'lastTransitionTime Time',
  },

  // policy/v1: the eviction subresource's body.
  Eviction: { 1: 'metadata ObjectMeta', 2: 'deleteOptions DeleteOptions' },
};

/**
 * The message an envelope's apiVersion/kind decodes with. DeleteOptions is registered in every
 * group version (client-go stamps it with the version of the resource it deletes), so any
 * apiVersion names it.
 */
const kindsByVersion: Record<string, readonly string[]> = {
  v1: ['Namespace', 'ConfigMap', 'Secret', 'ServiceAccount', 'Service', 'Pod', 'ResourceQuota'],
  'apps/v1': ['Deployment', 'ReplicaSet'],
  'batch/v1': ['Job', 'CronJob'],
  'authorization.k8s.io/v1': ['SelfSubjectAccessReview', 'SelfSubjectRulesReview'],
  'authentication.k8s.io/v1': ['SelfSubjectReview', 'TokenRequest', 'TokenReview'],
  'certificates.k8s.io/v1': ['CertificateSigningRequest'],
  'policy/v1': ['Eviction', 'PodDisruptionBudget'], // PodDisruptionBudget: policy-schema.ts
  'rbac.authorization.k8s.io/v1': ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'], // rbac-schema.ts
  'networking.k8s.io/v1': ['Ingress'], // networking-schema.ts
  'autoscaling/v2': ['HorizontalPodAutoscaler'], // autoscaling-schema.ts
  'autoscaling/v1': ['HorizontalPodAutoscaler'], // autoscaling-schema.ts, as HorizontalPodAutoscalerV1
  'scheduling.k8s.io/v1': ['PriorityClass'], // scheduling-schema.ts
};

/** Where two versions of a kind differ in their messages, the older one's message name. */
const messageAliases: Record<string, string> = {
  'autoscaling/v1 HorizontalPodAutoscaler': 'HorizontalPodAutoscalerV1',
};

export function messageForKind(apiVersion: string, kind: string): string | undefined {
  if (kind === 'DeleteOptions') return 'DeleteOptions';
  if (!kindsByVersion[apiVersion]?.includes(kind)) return undefined;
  return messageAliases[`${apiVersion} ${kind}`] ?? kind;
}

/** 'apps/v1 Deployment, v1 ConfigMap, …' for error messages. */
export function decodableKinds(): string {
  return Object.entries(kindsByVersion)
    .flatMap(([version, kinds]) => kinds.map((k) => `${version} ${k}`))
    .join(', ');
}
