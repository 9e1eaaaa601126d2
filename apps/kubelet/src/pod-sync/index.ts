/** The real-pod sync loop of the kubelet: plan (computePodActions), act (syncPod), report (buildPodStatus). */
export { Backoff, type BackoffOptions } from './backoff.ts';
export {
  computePodActions,
  formatDuration,
  type ComputePodActionsOptions,
  type ContainerInBackOff,
  type ContainerToKill,
  type ContainerToStart,
  type PodActions,
} from './compute-pod-actions.ts';
export {
  findContainerStatuses,
  findLatestContainerStatus,
  findReadySandbox,
  formatContainerId,
  getContainerBackoffKey,
  getPodRuntimeStatus,
  getTerminatedReason,
  toKubeContainerState,
  type PodRuntimeStatus,
} from './container-status.ts';
export { expandVars, getDownwardField, getResourceField, resolveEnv, type EnvSources, type EnvVarValue } from './env.ts';
export { ContainerStartError, ensureImage, getImageBackoffKey, getImagePullPolicy, type ImagePullDeps } from './image-puller.ts';
export { buildPodStatus, getPodPhase, type BuildPodStatusOptions, type ProbeResults, type WaitingReason } from './pod-status.ts';
export { hashContainerSpec, LABEL_CONTAINER_HASH, LABEL_CONTAINER_RESTART_COUNT, stableStringify } from './spec-hash.ts';
export {
  makeSandboxConfig,
  removePodResources,
  syncPod,
  type PodEvent,
  type SyncActionKind,
  type SyncActionResult,
  type SyncPodDeps,
  type SyncPodResult,
} from './sync-pod.ts';
export { toContainerSecurity, toLinuxResources, CPU_PERIOD_US } from './container-config.ts';
export { getPodDns, parseResolvConf, type ClusterDnsSettings } from './pod-dns.ts';
