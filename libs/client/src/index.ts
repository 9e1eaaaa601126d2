export { ApiStatusError, statusFromResponse, isNotFound, isConflict, isAlreadyExists, isResourceExpired } from './api-status-error.ts';
export { loadKubeconfig, resolveKubeconfig, type RestConfig } from './kubeconfig.ts';
export { followKubeconfigCertificate, FOLLOW_INTERVAL_MS, type ClientCertificateTarget, type FollowOptions } from './client-certificate-follower.ts';
export {
  RestClient,
  resourcePath,
  impersonationHeaders,
  type Impersonation,
  type ClientConfig,
  type KubeObject,
  type KubeList,
  type WatchEvent,
  type WatchEventType,
  type PatchType,
  type RequestOptions,
  type ListOptions,
  type WatchOptions,
  type WriteOptions,
  type PatchOptions,
  type DeleteOptions,
  type RestClientOptions,
} from './rest-client.ts';
export { parseJsonLines } from './parse-json-lines.ts';
export { deepFreeze } from './deep-freeze.ts';
export {
  InformerCache,
  diffCache,
  objectKey,
  splitKey,
  indexByNamespace,
  indexByOwnerUid,
  indexByNodeName,
  type IndexFunc,
  type CacheDiff,
} from './informer-cache.ts';
export { Informer, NAMESPACE_INDEX, OWNER_UID_INDEX, NODE_NAME_INDEX, type InformerOptions } from './informer.ts';
export {
  ExponentialFailureRateLimiter,
  TokenBucketRateLimiter,
  MaxOfRateLimiter,
  createDefaultRateLimiter,
  type RateLimiter,
} from './rate-limiter.ts';
export { WorkQueue, type WorkQueueOptions } from './work-queue.ts';
export { runWorkers, waitForCacheSync, TerminalError, type SyncResult, type Syncable, type RunWorkersOptions } from './run-workers.ts';
export { LeaderElector, isLeaseExpired, microTime, type LeaderElectionOptions } from './leader-election.ts';
export { sleep } from './sleep.ts';
export { InformerFactory, type InformerFactoryOptions, type InformerScope } from './informer-factory.ts';
export { EventRecorder, type EventRecorderOptions, type EventObjectRef } from './event-recorder.ts';
export {
  ControllerRunner,
  runController,
  watch,
  type ControllerSpec,
  type EventMapper,
  type EventSource,
  type Keys,
  type Watch,
} from './controller-runner.ts';
export {
  enqueueObject,
  enqueueOwner,
  controllerRefOf,
  resolveControllerRef,
  sameLabels,
  type EnqueueObjectOptions,
  type EnqueueOwnerOptions,
  type LabelMatcher,
  type Lister,
} from './controller-runner-handlers.ts';
export {
  ResourceDiscovery,
  resourcesFromList,
  type ApiResource,
  type ApiResourceList,
  type DiscoveryClient,
  type DiscoverySnapshot,
} from './resource-discovery.ts';
