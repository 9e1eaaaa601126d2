/**
 * Stopping a pod's containers the way kubelet's killContainer does: run the preStop hook
 * (exec in the container, or an HTTP GET to the pod) within the grace period, then give the
 * container what is left of it between SIGTERM and SIGKILL (Docker's stop timeout).
 */
import type { Container as KubeContainer, Pod } from '@skiff/api';
import type { Logger } from '@skiff/log';
import type { DockerRuntime } from '../docker-runtime.ts';
import { runInContainer } from '../docker/docker-streams.ts';
import { getPodRuntimeStatus } from '../pod-sync/container-status.ts';
import type { PodEvent } from '../pod-sync/sync-pod.ts';

export interface KillPodDeps {
  runtime: DockerRuntime;
  logger: Logger;
  recordEvent(pod: Pod, ev: PodEvent): void;
  now?: () => number;
}

/** The grace period a deletion gives the pod, in seconds. */
export function getGracePeriodSeconds(pod: Pod): number {
  return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

/** Runs preStop hooks and stops every running container of the pod in parallel, then its sandboxes. */
export async function killPodWithGrace(pod: Pod, graceSeconds: number, deps: KillPodDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const uid = pod.metadata?.uid ?? '';
  const status = await getPodRuntimeStatus(deps.runtime, uid);
  const deadline = now() + graceSeconds * 1000;
  const podIP = status.sandboxes.find((s) => s.state === 'SANDBOX_READY')?.ip ?? pod.status?.podIP ?? '';
  const running = status.containers.filter((c) => c.state === 'CONTAINER_RUNNING' || c.state === 'CONTAINER_CREATED');
  await Promise.all(running.map(async (c) => {
    const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === c.name);
    const fieldPath = `spec.containers{${c.name}}`;
    if (spec?.lifecycle?.preStop && c.state === 'CONTAINER_RUNNING' && graceSeconds > 0) {
      await runPreStop(pod, spec, c.id, podIP, deadline - now(), deps).catch((err: Error) => {
        deps.recordEvent(pod, { type: 'Warning', reason: 'FailedPreStopHook', message: `PreStopHook failed: ${err.message}`, fieldPath });
      });
    }
    deps.recordEvent(pod, { type: 'Normal', reason: 'Killing', message: `Stopping container ${c.name}`, fieldPath });
    // Kubernetes gives at least 2 s after preStop so SIGTERM can be handled at all.
    const remaining = graceSeconds > 0 ? Math.max(2, Math.ceil((deadline - now()) / 1000)) : 0;
    await deps.runtime.stopContainer(c.id, remaining);
  }));
  for (const s of status.sandboxes) await deps.runtime.stopPodSandbox(s.id);
}

async function runPreStop(pod: Pod, spec: KubeContainer, containerId: string, podIP: string, budgetMs: number, deps: KillPodDeps): Promise<void> {
  const hook = spec.lifecycle!.preStop!;
  const timeoutMs = Math.max(1, budgetMs);
  if (hook.exec?.command?.length) {
    const result = await runInContainer(deps.runtime.docker, containerId, hook.exec.command, timeoutMs);
    if (result.exitCode !== 0) throw new Error(`command '${hook.exec.command.join(' ')}' exited with ${result.exitCode}: ${(result.stdout + result.stderr).trim()}`);
    return;
  }
  if (hook.httpGet) {
    const g = hook.httpGet;
    const port = typeof g.port === 'number' ? g.port : Number(spec.ports?.find((p) => p.name === g.port)?.containerPort ?? g.port);
    const host = g.host || podIP;
    const url = `${(g.scheme ?? 'HTTP').toLowerCase()}://${host}:${port}${g.path ?? '/'}`;
    const headers = Object.fromEntries((g.httpHeaders ?? []).map((h) => [h.name, h.value]));
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    if (res.status < 200 || res.status >= 400) throw new Error(`HTTP GET ${url} returned ${res.status}`);
    return;
  }
  deps.logger.debug({ pod: pod.metadata?.name, container: spec.name }, 'preStop hook of an unsupported kind skipped');
}
