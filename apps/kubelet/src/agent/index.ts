/** The kubelet of one node over any runtime, and the Docker node around it. */
export { Kubelet, POD_RESYNC_MS, type KubeletOptions } from './kubelet.ts';
export { DockerKubelet, type DockerKubeletOptions } from './docker-kubelet.ts';
export { PodWorkers, type PodSyncFn } from './pod-workers.ts';
export { StatusManager } from './status-manager.ts';
export { selectDeadContainers, type ContainerGcPolicy } from './garbage-collector.ts';
export { buildNodeShape, detectNodeIp } from './node-info.ts';
export { createDockerClient } from './docker-client.ts';
