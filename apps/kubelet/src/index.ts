/** @skiff/kubelet: the kubelet's runtime interface, its fake runtime, hollow nodes and the Docker-mode kubelet. */
import { RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { DockerKubelet } from './agent/docker-kubelet.ts';
import type { KubeletConfig } from './config.ts';
import { HollowKubelet } from './hollow-kubelet.ts';
import { cleanupHostPorts } from './hostports/index.ts';
import { serveKubeletMetrics } from './kubelet-metrics.ts';

export * from './container-runtime.ts';
export { FakeRuntime } from './fake-runtime.ts';
export { DockerRuntime, type DockerRuntimeOptions } from './docker-runtime.ts';
export { runInContainer, type ExecOptions, type ExecSession, type LogOptions } from './docker/docker-streams.ts';
export { findRegistryAuth } from './docker/registry-auth.ts';
export { ensurePauseImage, PAUSE_IMAGE, ensureBusyboxImage, BUSYBOX_IMAGE } from '@skiff/images';
export { ProbeManager, dockerProbeExec, runningContainers, type ProbeExec, type ProbeEvent, type RunningContainer } from './probes/index.ts';
export { HollowKubelet, type HollowKubeletOptions } from './hollow-kubelet.ts';
export { NodeAgent, type NodeAgentOptions } from './node-agent.ts';
export { parseKubeletFlags, defaultKubeletConfig, usage, FlagError, type KubeletConfig } from './config.ts';
export * from './agent/index.ts';
export { cleanupHostPorts, renderHostPortRules, HOSTPORT_CHAIN_PREFIX, type HostPortIptablesOptions } from './hostports/index.ts';

/** Runs the kubelet (Docker mode, or hollow nodes) until `signal` aborts; a Docker node's Node object stays, hollow ones deregister. */
export async function run(config: KubeletConfig, signal: AbortSignal, logger: Logger): Promise<number> {
  if (config.cleanupHostports) {
    await cleanupHostPorts();
    logger.info('hostport rules removed');
  } else if (config.hollowNodes > 0) await runHollow(config, signal, logger);
  else await new DockerKubelet({ config, logger }).run(signal);
  return 0;
}

/** Hollow nodes until `signal` aborts; then they deregister (a killed process leaves silent nodes). */
async function runHollow(config: KubeletConfig, signal: AbortSignal, logger: Logger): Promise<void> {
  const client = RestClient.fromKubeconfig(config.kubeconfig, { userAgent: 'skiff-kubelet/hollow' });
  let metrics: Awaited<ReturnType<typeof serveKubeletMetrics>> | undefined;
  try {
    const hollow = new HollowKubelet({
      client,
      logger,
      hollowNodes: config.hollowNodes,
      nodeNamePrefix: config.nodeNamePrefix,
      firstIndex: config.firstIndex,
      cpu: config.nodeCpu,
      memory: config.nodeMemory,
      maxPods: config.nodeMaxPods,
      labels: config.nodeLabels,
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
