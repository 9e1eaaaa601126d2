/**
 * The Kubernetes object types callers use, re-exported from the generated `kubernetes-types`
 * package so every component speaks the same shapes.
 */
export type {
  Binding,
  ConfigMap,
  ConfigMapList,
  Container,
  ContainerPort,
  ContainerState,
  ContainerStatus,
  EndpointAddress,
  EndpointPort,
  EndpointSubset,
  Endpoints,
  EnvVar,
  Event,
  EventList,
  HTTPGetAction,
  Namespace,
  NamespaceList,
  Node,
  NodeCondition,
  NodeList,
  NodeSpec,
  NodeStatus,
  ObjectReference,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodCondition,
  PodList,
  PodSpec,
  PodStatus,
  PodTemplateSpec,
  Probe,
  ReplicationController,
  ResourceRequirements,
  Secret,
  Service,
  ServiceAccount,
  ServiceList,
  ServicePort,
  ServiceSpec,
  Taint,
  Toleration,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
export type {
  Deployment,
  DeploymentCondition,
  DeploymentList,
  DeploymentSpec,
  DeploymentStatus,
  DeploymentStrategy,
  ReplicaSet,
  ReplicaSetList,
  ReplicaSetSpec,
  ReplicaSetStatus,
} from 'kubernetes-types/apps/v1.js';
export type { Scale } from 'kubernetes-types/autoscaling/v1.js';
export type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
  CertificateSigningRequestSpec,
  CertificateSigningRequestStatus,
} from 'kubernetes-types/certificates/v1.js';
export type { Lease, LeaseList, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
export type { Endpoint, EndpointSlice, EndpointSliceList } from 'kubernetes-types/discovery/v1.js';
export type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
export type {
  APIGroup,
  APIGroupList,
  APIResource,
  APIResourceList,
  APIVersions,
  DeleteOptions,
  LabelSelector,
  LabelSelectorRequirement,
  ListMeta,
  ObjectMeta,
  OwnerReference,
  Status,
  StatusCause,
  StatusDetails,
  Time,
  WatchEvent as MetaWatchEvent,
} from 'kubernetes-types/meta/v1.js';
export type { Quantity as QuantityString } from 'kubernetes-types/api/resource.js';
/** A port or percentage written either as a number or a string ('http', '25%'). */
export type IntOrString = number | string;
