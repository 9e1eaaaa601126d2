/**
 * Every controller the manager knows, by the name --controllers uses. Order is start
 * order; it does not matter for correctness (each waits for its own caches).
 */
import type { ControllerFactory } from './controller.ts';
import { newDeploymentController } from './deployment/deployment-controller.ts';
import { newReplicaSetController } from './replicaset/replicaset-controller.ts';
import { newReplicationControllerController } from './replicaset/replication-controller.ts';
import { newEndpointsController } from './endpoints/endpoints-controller.ts';
import { newEndpointSliceController } from './endpointslice/endpointslice-controller.ts';
import { newServiceAccountController } from './serviceaccount/serviceaccount-controller.ts';
import { newNamespaceController } from './namespace/namespace-controller.ts';
import { newGarbageCollector } from './garbage-collector/garbage-collector.ts';
import { newNodeIpamController } from './node-ipam/node-ipam-controller.ts';
import { newNodeLifecycleController } from './node-lifecycle/node-lifecycle-controller.ts';
import { newCsrApprovingController } from './csr/csr-approving-controller.ts';
import { newCsrSigningController } from './csr/csr-signing-controller.ts';
import { newStatefulSetController } from './statefulset/statefulset-controller.ts';
import { newDaemonSetController } from './daemonset/daemonset-controller.ts';
import { newJobController } from './job/job-controller.ts';
import { newCronJobController } from './cronjob/cronjob-controller.ts';
import { newTtlAfterFinishedController } from './ttl-after-finished/ttl-after-finished-controller.ts';
import { newPodGcController } from './podgc/podgc-controller.ts';
import { newPersistentVolumeBinderController } from './persistentvolume/pv-controller.ts';
import { newClusterRoleAggregationController } from './clusterrole-aggregation/clusterrole-aggregation-controller.ts';
import { newRootCaPublisherController } from './root-ca-publisher/root-ca-publisher-controller.ts';
import { newServiceAccountTokenController } from './serviceaccount/token-controller.ts';
import { newServiceLbController } from './service-lb/service-lb-controller.ts';
import { newDisruptionController } from './disruption/disruption-controller.ts';
import { newHorizontalController } from './podautoscaler/horizontal-controller.ts';
import { newResourceQuotaController } from './resourcequota/resource-quota-controller.ts';

export const CONTROLLER_NAMES = [
  'deployment',
  'replicaset',
  'replicationcontroller',
  'endpoints',
  'endpointslice',
  'serviceaccount',
  'namespace',
  'garbage-collector',
  'node-ipam',
  'node-lifecycle',
  'csrapproving',
  'csrsigning',
  'statefulset',
  'daemonset',
  'job',
  'cronjob',
  'ttl-after-finished',
  'podgc',
  'persistentvolume-binder',
  'clusterrole-aggregation',
  'root-ca-cert-publisher',
  'serviceaccount-token',
  'service-lb',
  'disruption',
  'horizontalpodautoscaling',
  'resourcequota',
] as const;

export type ControllerName = (typeof CONTROLLER_NAMES)[number];

export const controllerFactories: Partial<Record<ControllerName, ControllerFactory>> = {
  deployment: newDeploymentController,
  replicaset: newReplicaSetController,
  replicationcontroller: newReplicationControllerController,
  endpoints: newEndpointsController,
  endpointslice: newEndpointSliceController,
  serviceaccount: newServiceAccountController,
  namespace: newNamespaceController,
  'garbage-collector': newGarbageCollector,
  'node-ipam': newNodeIpamController,
  'node-lifecycle': newNodeLifecycleController,
  csrapproving: newCsrApprovingController,
  csrsigning: newCsrSigningController,
  statefulset: newStatefulSetController,
  daemonset: newDaemonSetController,
  job: newJobController,
  cronjob: newCronJobController,
  'ttl-after-finished': newTtlAfterFinishedController,
  podgc: newPodGcController,
  'persistentvolume-binder': newPersistentVolumeBinderController,
  'clusterrole-aggregation': newClusterRoleAggregationController,
  'root-ca-cert-publisher': newRootCaPublisherController,
  'serviceaccount-token': newServiceAccountTokenController,
  'service-lb': newServiceLbController,
  disruption: newDisruptionController,
  horizontalpodautoscaling: newHorizontalController,
  resourcequota: newResourceQuotaController,
};
