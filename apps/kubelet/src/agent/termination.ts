/**
 * Stopping a pod's containers the way kubelet's killContainer does: run the preStop hook
 * (exec in the container, or an HTTP GET to the pod) within the grace period, then give the
 * container what is left of it between SIGTERM and SIGKILL (the runtime's stop timeout).
 * Hooks need a runtime that can exec and a pod network to reach: a node without them (hollow
 * nodes) passes no `exec` and its pods stop without hooks.
 */
import { findResource, type Container as KubeContainer, type Pod } from '@skiff/api';
import { isConflict, isNotFound, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import type { ContainerRuntime } from '../container-runtime.ts';
import { getPodRuntimeStatus } from '../pod-sync/container-status.ts';
import type { PodEvent } from '../pod-sync/sync-pod.ts';

const podsResource = findResource('', 'v1', 'pods')!;

/** Runs a command in a container (exec probes and exec preStop hooks). */
export type ContainerExec = (containerId: string, command: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string }>;

export interface KillPodDeps {
  runtime: ContainerRuntime;
  logger: Logger;
  recordEvent(pod: Pod, ev: PodEvent): void;
  /** Absent: preStop hooks are skipped (a runtime without exec, a node without a pod network). */
  exec?: ContainerExec;
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
  await Promise.all(
    running.map(async (c) => {
      const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((x) => x.name === c.name);
      const fieldPath = `spec.containers{${c.name}}`;
      if (spec?.lifecycle?.preStop && deps.exec && c.state === 'CONTAINER_RUNNING' && graceSeconds > 0) {
        await runPreStop(pod, spec, c.id, podIP, deadline - now(), deps.exec, deps.logger).catch((err: Error) => {
          deps.recordEvent(pod, { type: 'Warning', reason: 'FailedPreStopHook', message: `PreStopHook failed: ${err.message}`, fieldPath });
        });
      }
      deps.recordEvent(pod, { type: 'Normal', reason: 'Killing', message: `Stopping container ${c.name}`, fieldPath });
      // Kubernetes gives at least 2 s after preStop so SIGTERM can be handled at all.
      const remaining = graceSeconds > 0 ? Math.max(2, Math.ceil((deadline - now()) / 1000)) : 0;
      await deps.runtime.stopContainer(c.id, remaining);
    }),
  );
  for (const s of status.sandboxes) await deps.runtime.stopPodSandbox(s.id);
}

/** The containers are gone: the apiserver may remove the pod now (a uid precondition spares a same-name successor). */
export async function confirmPodDeletion(client: Pick<RestClient, 'delete'>, pod: Pod): Promise<void> {
  const meta = pod.metadata ?? {};
  try {
    await client.delete(podsResource, meta.namespace, meta.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: meta.uid } });
  } catch (err) {
    if (!isNotFound(err) && !isConflict(err)) throw err;
  }
}

async function runPreStop(
  pod: Pod,
  spec: KubeContainer,
  containerId: string,
  podIP: string,
  budgetMs: number,
  exec: ContainerExec,
  logger: Logger,
): Promise<void> {
  const hook = spec.lifecycle!.preStop!;
  const timeoutMs = Math.max(1, budgetMs);
  if (hook.exec?.command?.length) {
    const result = await exec(containerId, hook.exec.command, timeoutMs);
    if (result.exitCode !== 0) throw new Error(`command '${hook.exec.command.join(' ')}' exited with ${result.exitCode}: ${result.output.trim()}`);
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
  logger.debug({ pod: pod.metadata?.name, container: spec.name }, 'preStop hook of an unsupported kind skipped');
}
