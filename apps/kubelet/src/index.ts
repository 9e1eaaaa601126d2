/** @skiff/kubelet: the kubelet's runtime interface, its fake runtime, and hollow nodes. */
import { RestClient } from '@skiff/client';
import { createLogger } from '@skiff/log';
import type { KubeletConfig } from './config.ts';
import { HollowKubelet } from './hollow-kubelet.ts';
import { serveKubeletMetrics } from './kubelet-metrics.ts';

export * from './container-runtime.ts';
export { FakeRuntime } from './fake-runtime.ts';
export { DockerRuntime, type DockerRuntimeOptions } from './docker-runtime.ts';
export { runInContainer, type ExecOptions, type ExecSession, type LogOptions } from './docker/docker-streams.ts';
export { findRegistryAuth } from './docker/registry-auth.ts';
export { ensurePauseImage, PAUSE_IMAGE } from './images/pause-image.ts';
export { ensureBusyboxImage, BUSYBOX_IMAGE } from './images/busybox-image.ts';
export { HollowKubelet, type HollowKubeletOptions } from './hollow-kubelet.ts';
export { NodeAgent, type NodeAgentOptions } from './node-agent.ts';
export { parseKubeletFlags, usage, FlagError, type KubeletConfig } from './config.ts';

/** Runs the hollow nodes until `signal` aborts; the Node objects stay (a stopped kubelet is a silent node). */
export async function run(config: KubeletConfig, signal: AbortSignal): Promise<void> {
  const logger = createLogger('kubelet', config.logLevel);
  const client = RestClient.fromKubeconfig(config.kubeconfig, { userAgent: 'skiff-kubelet/hollow' });
  let metrics: Awaited<ReturnType<typeof serveKubeletMetrics>> | undefined;
  try {
    const hollow = new HollowKubelet({
      client, logger,
      hollowNodes: config.hollowNodes, nodeNamePrefix: config.nodeNamePrefix, firstIndex: config.firstIndex,
      cpu: config.nodeCpu, memory: config.nodeMemory, maxPods: config.nodeMaxPods, labels: config.nodeLabels,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
    });
    if (config.metricsPort > 0) metrics = await serveKubeletMetrics(hollow, config.metricsPort);
    logger.info({ nodes: config.hollowNodes, prefix: config.nodeNamePrefix, metricsPort: metrics?.port }, 'starting hollow nodes');
    await hollow.run(signal);
  } finally {
    await metrics?.close();
    client.close();
  }
}
