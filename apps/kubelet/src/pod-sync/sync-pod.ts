/**
 * One level-triggered pass over a pod (kuberuntime's SyncPod): read what the runtime has,
 * compute the plan, carry it out in order, and report a result per action plus the events to
 * record and the waiting reasons buildPodStatus shows. An init container's failure ends the
 * pass (the next one runs it again, or fails the pod); a regular container's failure does not
 * stop its siblings.
 */
import { readFile } from 'node:fs/promises';
import type { Container as KubeContainer, Pod } from '@skiff/api';
import { LABEL_CONTAINER_NAME, podLabels, type ContainerRuntime, type ContainerSecurity, type Mount, type PodSandboxConfig } from '../container-runtime.ts';
import { getEffectiveSecurity, getLocalhostSeccompPath, toContainerSecurity, toLinuxResources, verifyRunAsNonRoot } from './container-config.ts';
import { checkPodSysctls, getSandboxSysctls } from './sysctls.ts';
import { getPodDns, type ClusterDnsSettings } from './pod-dns.ts';
import type { Backoff } from './backoff.ts';
import { computePodActions, type ContainerToStart, type PodActions } from './compute-pod-actions.ts';
import { getPodRuntimeStatus, type PodRuntimeStatus } from './container-status.ts';
import { expandVars, resolveEnv, type EnvSources } from './env.ts';
import { ContainerStartError, ensureImage, getImageBackoffKey } from './image-puller.ts';
import type { WaitingReason } from './pod-status.ts';
import { LABEL_CONTAINER_HASH, LABEL_CONTAINER_RESTART_COUNT } from './spec-hash.ts';

export interface PodEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** `spec.containers{web}`, for the event's involvedObject.fieldPath. */
  fieldPath?: string;
}

export type SyncActionKind = 'KillPod' | 'KillContainer' | 'CreatePodSandbox' | 'StartContainer' | 'InitContainer';

export interface SyncActionResult {
  action: SyncActionKind;
  /** The container name or sandbox id acted on. */
  target: string;
  ok: boolean;
  /** On failure: ErrImagePull, CreateContainerConfigError, RunContainerError, … */
  reason?: string;
  message?: string;
}

export interface SyncPodDeps {
  runtime: ContainerRuntime;
  /** Crash-loop back-off, kept by the caller across passes. */
  backoff: Backoff;
  /** Image pull back-off, kept by the caller across passes. */
  imageBackoff: Backoff;
  now?: () => number;
  hostIP?: string;
  /** ConfigMap and Secret lookups for env and envFrom; Services for their variables. */
  env?: Pick<EnvSources, 'getConfigMap' | 'getSecret' | 'nodeAllocatable' | 'services'>;
  livenessFailed?: ReadonlySet<string>;
  imagePresent?: (image: string) => Promise<boolean>;
  /** The container's binds (volumes, /etc/hosts, termination log), from the VolumeManager. */
  mountsFor?: (pod: Pod, container: KubeContainer) => Mount[];
  /** Without it a privileged container fails with CreateContainerConfigError. */
  allowPrivileged?: boolean;
  /** Cluster DNS for the sandbox's resolv.conf; absent: the runtime's default. */
  dns?: ClusterDnsSettings;
  /** Where Localhost seccomp profiles are read from (`<root-dir>/seccomp`, as the kubelet's seccomp-profile-root). */
  seccompProfileRoot?: string;
}

export const DEFAULT_SECCOMP_PROFILE_ROOT = '/var/lib/skiff/kubelet/seccomp';

export interface SyncPodResult {
  actions: PodActions;
  results: SyncActionResult[];
  events: PodEvent[];
  /** Why containers that should run do not: feed to buildPodStatus. */
  waiting: Map<string, WaitingReason>;
  /** When a back-off ends, the pod should be synced again after this many ms. */
  requeueAfterMs?: number;
  /** The runtime's state after the pass, for buildPodStatus. */
  runtimeStatus: PodRuntimeStatus;
}

const noSources: Pick<EnvSources, 'getConfigMap' | 'getSecret'> = {
  getConfigMap: async () => undefined,
  getSecret: async () => undefined,
};

export async function syncPod(pod: Pod, deps: SyncPodDeps): Promise<SyncPodResult> {
  const now = deps.now ?? Date.now;
  const uid = pod.metadata?.uid ?? '';
  const runtime = deps.runtime;
  const before = await getPodRuntimeStatus(runtime, uid);
  const actions = computePodActions(pod, before, { now: now(), backoff: deps.backoff, livenessFailed: deps.livenessFailed });
  const results: SyncActionResult[] = [];
  const events: PodEvent[] = [];
  const waiting = new Map<string, WaitingReason>();
  const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  const finish = async (): Promise<SyncPodResult> => {
    const requeueAfterMs = computeRequeueAfter(pod, actions, waiting, deps.imageBackoff, now());
    return {
      actions,
      results,
      events,
      waiting,
      runtimeStatus: await getPodRuntimeStatus(runtime, uid),
      ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
    };
  };

  // Step 1: kill the pod when it is deleting, finished, or its sandbox is being replaced.
  if (actions.killPod) {
    for (const c of before.containers.filter((x) => x.state === 'CONTAINER_RUNNING' || x.state === 'CONTAINER_CREATED')) {
      events.push({ type: 'Normal', reason: 'Killing', message: `Stopping container ${c.name}`, fieldPath: fieldPathOf(pod, c.name) });
      await recordResult(results, 'KillContainer', c.name, () => runtime.stopContainer(c.id, grace));
    }
    for (const s of before.sandboxes.filter((x) => x.state === 'SANDBOX_READY')) {
      await recordResult(results, 'KillPod', s.id, () => runtime.stopPodSandbox(s.id));
    }
    if (!actions.createSandbox) return finish();
  }

  // Step 2: kill the containers that must go (spec changed, liveness failed).
  for (const k of actions.containersToKill) {
    events.push({ type: 'Normal', reason: 'Killing', message: k.message, fieldPath: fieldPathOf(pod, k.name) });
    await recordResult(results, 'KillContainer', k.name, () => runtime.stopContainer(k.id, grace));
  }

  // Step 3: create the sandbox when there is none (or the old one was killed above).
  const sandboxConfig = makeSandboxConfig(pod, actions.sandboxAttempt, deps.dns);
  let sandboxId = actions.sandboxId ?? '';
  if (actions.createSandbox) {
    const ok = await recordResult(results, 'CreatePodSandbox', pod.metadata?.name ?? '', async () => {
      // The kubelet's admission refuses such a pod; this guards a pod that reached the sync anyway.
      const forbidden = checkPodSysctls(pod);
      if (forbidden) throw new Error(forbidden.message);
      sandboxId = await runtime.runPodSandbox(sandboxConfig);
    });
    if (!ok) {
      events.push({ type: 'Warning', reason: 'FailedCreatePodSandBox', message: `Failed to create pod sandbox: ${results.at(-1)!.message}` });
      return finish();
    }
  }
  // A finished pod under Never or OnFailure keeps its dead sandbox and starts nothing.
  if (!sandboxId) return finish();
  const podIP = pod.spec?.hostNetwork ? deps.hostIP : (await runtime.podSandboxStatus(sandboxId))?.ip;
  const start = (toStart: ContainerToStart, spec: KubeContainer) => startContainer(pod, spec, toStart, sandboxId, sandboxConfig, podIP ?? '', deps, events);

  // Step 4: containers still in CrashLoopBackOff wait; say so in status and events.
  for (const b of actions.backOff) {
    waiting.set(b.name, { reason: 'CrashLoopBackOff', message: b.message });
    events.push({
      type: 'Warning',
      reason: 'BackOff',
      message: `Back-off restarting failed container ${b.name} in pod ${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`,
      fieldPath: fieldPathOf(pod, b.name),
    });
  }

  // Step 5: start the next init container; if it cannot start, this pass ends here.
  if (actions.nextInitContainer) {
    const next = actions.nextInitContainer;
    const spec = pod.spec?.initContainers?.find((c) => c.name === next.name);
    const failure = spec ? await start(next, spec) : new ContainerStartError('CreateContainerError', `no init container ${next.name}`);
    results.push(makeResult('InitContainer', next.name, failure));
    if (failure) {
      waiting.set(next.name, { reason: failure.reason, message: failure.message });
      return finish();
    }
  }

  // Step 6: start the regular containers; one failing does not stop the others.
  for (const next of actions.containersToStart) {
    const spec = pod.spec?.containers?.find((c) => c.name === next.name);
    if (!spec) continue;
    const failure = await start(next, spec);
    results.push(makeResult('StartContainer', next.name, failure));
    if (failure) waiting.set(next.name, { reason: failure.reason, message: failure.message });
  }
  return finish();
}

/** Pulls, configures, creates and starts one container; returns why it failed, if it did. */
async function startContainer(
  pod: Pod,
  spec: KubeContainer,
  toStart: ContainerToStart,
  sandboxId: string,
  sandboxConfig: PodSandboxConfig,
  podIP: string,
  deps: SyncPodDeps,
  events: PodEvent[],
): Promise<ContainerStartError | undefined> {
  const now = deps.now ?? Date.now;
  const fieldPath = fieldPathOf(pod, spec.name);
  const fail = (reason: string, message: string) => {
    events.push({ type: 'Warning', reason: 'Failed', message: `Error: ${message}`, fieldPath });
    return new ContainerStartError(reason, message);
  };
  // The restart counts against the back-off now, as kubelet's doBackOff does, so a container
  // that fails to start also waits longer next time.
  if (toStart.previousFinishedAt !== undefined) deps.backoff.next(toStart.backoffKey, toStart.previousFinishedAt);
  let imageRef: string;
  try {
    imageRef = await ensureImage(pod, spec, { ...deps, now }, events, fieldPath);
  } catch (err) {
    if (err instanceof ContainerStartError) return err;
    return fail('ErrImagePull', (err as Error).message);
  }
  let env;
  try {
    env = await resolveEnv(pod, spec, { ...noSources, ...deps.env, podIP, ...(deps.hostIP ? { hostIP: deps.hostIP } : {}) });
  } catch (err) {
    return fail('CreateContainerConfigError', (err as Error).message);
  }
  const envMap = new Map(env.map((e) => [e.name, e.value]));
  const securityContext = toContainerSecurity(pod, spec);
  if (securityContext.privileged && !deps.allowPrivileged) {
    return fail('CreateContainerConfigError', `container ${spec.name}: privileged containers are not allowed on this node (--allow-privileged=false)`);
  }
  try {
    await completeSecurity(pod, spec, securityContext, deps);
  } catch (err) {
    return fail('CreateContainerConfigError', (err as Error).message);
  }
  let mounts: Mount[];
  try {
    mounts = deps.mountsFor?.(pod, spec) ?? [];
  } catch (err) {
    return fail('CreateContainerConfigError', (err as Error).message);
  }
  let id: string;
  try {
    id = await deps.runtime.createContainer(
      sandboxId,
      {
        name: spec.name,
        // The name as written: the runtime resolves it to the reference just pulled.
        image: spec.image ?? imageRef,
        // $(VAR) in command and args reads the container's own environment, as in Kubernetes.
        ...(spec.command ? { command: spec.command.map((x) => expandVars(x, envMap)) } : {}),
        ...(spec.args ? { args: spec.args.map((x) => expandVars(x, envMap)) } : {}),
        env,
        ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
        ...(spec.stdin ? { stdin: true, stdinOnce: spec.stdinOnce ?? false } : {}),
        ...(spec.tty ? { tty: true } : {}),
        mounts,
        resources: toLinuxResources(spec),
        securityContext,
        labels: {
          ...sandboxConfig.labels,
          [LABEL_CONTAINER_NAME]: spec.name,
          [LABEL_CONTAINER_HASH]: toStart.hash,
          [LABEL_CONTAINER_RESTART_COUNT]: String(toStart.attempt),
        },
        attempt: toStart.attempt,
      },
      sandboxConfig,
    );
  } catch (err) {
    return fail('CreateContainerError', (err as Error).message);
  }
  events.push({ type: 'Normal', reason: 'Created', message: `Created container ${spec.name}`, fieldPath });
  try {
    await deps.runtime.startContainer(id);
  } catch (err) {
    return fail('RunContainerError', (err as Error).message);
  }
  events.push({ type: 'Normal', reason: 'Started', message: `Started container ${spec.name}`, fieldPath });
  return undefined;
}

/**
 * What the spec alone cannot say: the image's user (runAsNonRoot is judged against it, and a
 * runAsGroup without runAsUser keeps it) and a Localhost seccomp profile's contents.
 */
async function completeSecurity(pod: Pod, spec: KubeContainer, security: ContainerSecurity, deps: SyncPodDeps): Promise<void> {
  const effective = getEffectiveSecurity(pod, spec);
  const image = spec.image ?? '';
  const needsImageUser = effective.runAsUser === undefined && (effective.runAsNonRoot || effective.runAsGroup !== undefined);
  const imageUser = needsImageUser && deps.runtime.imageUser ? await deps.runtime.imageUser(image) : undefined;
  // A runtime that cannot say (the fake one of hollow nodes) runs images with no user to check.
  const refusal = !needsImageUser || deps.runtime.imageUser ? verifyRunAsNonRoot(pod, spec, imageUser) : undefined;
  if (refusal) throw new Error(refusal);
  if (imageUser) security.runAsUsername = imageUser.split(':')[0]!;
  const path = getLocalhostSeccompPath(pod, spec, deps.seccompProfileRoot ?? DEFAULT_SECCOMP_PROFILE_ROOT);
  if (path === undefined) return;
  let json: string;
  try {
    json = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(
      `failed to load seccomp profile ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  try {
    // Docker takes the profile inline; re-serialising drops whitespace and proves it is JSON.
    json = JSON.stringify(JSON.parse(json));
  } catch {
    throw new Error(`seccomp profile ${JSON.stringify(path)} is not valid JSON`);
  }
  security.seccomp = { type: 'Localhost', json };
}

/** When a back-off this pass ran into ends, relative to now: the caller syncs the pod again then. */
function computeRequeueAfter(
  pod: Pod,
  actions: PodActions,
  waiting: ReadonlyMap<string, WaitingReason>,
  imageBackoff: Backoff,
  now: number,
): number | undefined {
  const retryAt = actions.backOff.map((b) => b.retryAt);
  for (const [name, why] of waiting) {
    if (why.reason !== 'ErrImagePull' && why.reason !== 'ImagePullBackOff') continue;
    const image = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === name)?.image;
    const at = imageBackoff.expiresAtSinceUpdate(getImageBackoffKey(pod, image ?? ''));
    // Only a back-off still running asks for a timed retry; an old entry must not spin the pod.
    if (at > now) retryAt.push(at);
  }
  return retryAt.length > 0 ? Math.max(0, Math.min(...retryAt) - now) : undefined;
}

export function makeSandboxConfig(pod: Pod, attempt: number, dnsSettings?: ClusterDnsSettings): PodSandboxConfig {
  const metadata = { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? 'default', uid: pod.metadata?.uid ?? '', attempt };
  const dns = dnsSettings ? getPodDns(pod, dnsSettings) : undefined;
  const sysctls = getSandboxSysctls(pod);
  return {
    metadata,
    hostname: pod.spec?.hostname ?? metadata.name,
    labels: { ...pod.metadata?.labels, ...podLabels(metadata) },
    ...(pod.metadata?.annotations ? { annotations: { ...pod.metadata.annotations } } : {}),
    ...(pod.spec?.hostNetwork ? { hostNetwork: true } : {}),
    ...(dns ? { dns } : {}),
    ...(sysctls ? { sysctls } : {}),
  };
}

/** Stops and removes every sandbox and container of a pod: after its deletion is confirmed. */
export async function removePodResources(runtime: ContainerRuntime, podUid: string): Promise<void> {
  const status = await getPodRuntimeStatus(runtime, podUid);
  for (const c of status.containers) await runtime.removeContainer(c.id);
  for (const s of status.sandboxes) await runtime.removePodSandbox(s.id);
}

function fieldPathOf(pod: Pod, name: string): string {
  const init = pod.spec?.initContainers?.some((c) => c.name === name);
  return `spec.${init ? 'initContainers' : 'containers'}{${name}}`;
}

async function recordResult(results: SyncActionResult[], action: SyncActionKind, target: string, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    results.push({ action, target, ok: true });
    return true;
  } catch (err) {
    results.push({ action, target, ok: false, reason: 'RuntimeError', message: (err as Error).message });
    return false;
  }
}

function makeResult(action: SyncActionKind, target: string, failure: ContainerStartError | undefined): SyncActionResult {
  return failure ? { action, target, ok: false, reason: failure.reason, message: failure.message } : { action, target, ok: true };
}
