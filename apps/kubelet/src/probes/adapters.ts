/** Glue between the kubelet's runtime records and the probe manager, so wiring it is two lines. */
import type Docker from 'dockerode';
import { runInContainer } from '../docker/docker-streams.ts';
import type { PodRuntimeStatus } from '../pod-sync/container-status.ts';
import type { ProbeExec, RunningContainer } from './types.ts';

/** A ProbeExec over the Engine API: the output is stdout then stderr, as upstream's exec prober reports it. */
export function dockerProbeExec(docker: Docker): ProbeExec {
  return async (containerId, command, timeoutMs) => {
    const res = await runInContainer(docker, containerId, command, timeoutMs);
    return { exitCode: res.exitCode, output: res.stdout + res.stderr };
  };
}

/** The newest container of each name (the runtime lists them newest first), as ProbeManager.update wants them. */
export function runningContainers(status: PodRuntimeStatus): RunningContainer[] {
  const seen = new Map<string, RunningContainer>();
  for (const c of status.containers) {
    if (seen.has(c.name)) continue;
    seen.set(c.name, { name: c.name, id: c.id, startedAt: c.startedAt || c.createdAt, running: c.state === 'CONTAINER_RUNNING' });
  }
  return [...seen.values()];
}
