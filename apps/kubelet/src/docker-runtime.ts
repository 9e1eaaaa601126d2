/**
 * ContainerRuntime on a Docker daemon (through dockerode, never the CLI), shaped like dockershim:
 * each pod is a pause container (the sandbox) on the node's own bridge network, whose IP is the pod
 * IP, and the pod's containers join its network and IPC namespaces. Everything is found again by
 * labels, so a restarted kubelet rebuilds its view from Docker alone.
 */
import { writeFile } from 'node:fs/promises';
import Docker from 'dockerode';
import type { Logger } from '@skiff/log';
import {
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  matchesLabels,
  type Container,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerRuntime,
  type ContainerStatus,
  type Labels,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxStatus,
  type RegistryAuth,
  type SandboxFilter,
} from './container-runtime.ts';
import {
  LABEL_ATTEMPT,
  LABEL_NODE,
  LABEL_SANDBOX,
  LABEL_SANDBOX_ID,
  getExitReason,
  parseDockerTime,
  renderResolvConf,
  toContainerCreateOptions,
  toContainerState,
  toSandboxCreateOptions,
  type RuntimeIdentity,
} from './docker/docker-mapping.ts';
import { ensureBridgeNetwork, removeBridgeNetwork } from './docker/bridge-network.ts';
import { execInContainer, streamContainerLogs, type ExecOptions, type ExecSession, type LogOptions } from './docker/docker-streams.ts';
import { PAUSE_IMAGE, ensurePauseImage, hasImage } from '@skiff/images';

export interface DockerRuntimeOptions {
  logger: Logger;
  /** Defaults to the local socket (DOCKER_HOST honoured by dockerode). */
  docker?: Docker;
  nodeName: string;
  /** The node's bridge network; `skiff0` by default. Docker's own docker0 is never touched. */
  networkName?: string;
  pauseImage?: string;
  allowPrivileged?: boolean;
  extraLabels?: Labels;
}

export class DockerRuntime implements ContainerRuntime {
  readonly name = 'docker';
  readonly docker: Docker;
  readonly #logger: Logger;
  readonly #id: RuntimeIdentity;
  readonly #allowPrivileged: boolean;
  #podCidr = '';

  constructor(opts: DockerRuntimeOptions) {
    this.docker = opts.docker ?? new Docker();
    this.#logger = opts.logger;
    this.#allowPrivileged = opts.allowPrivileged ?? false;
    this.#id = {
      nodeName: opts.nodeName,
      networkName: opts.networkName ?? 'skiff0',
      pauseImage: opts.pauseImage ?? PAUSE_IMAGE,
      extraLabels: opts.extraLabels ?? {},
    };
  }

  get networkName(): string {
    return this.#id.networkName;
  }

  async version() {
    const v = await this.docker.version();
    return { runtimeName: 'docker', runtimeVersion: v.Version };
  }

  /** Creates (or re-creates, when empty) the node's bridge network on the pod CIDR, and the pause image. */
  async updateRuntimeConfig(config: { podCidr: string }): Promise<void> {
    if (config.podCidr === this.#podCidr) return;
    await ensureBridgeNetwork(this.docker, this.#logger, {
      name: this.#id.networkName,
      subnet: config.podCidr,
      labels: { ...this.#id.extraLabels, [LABEL_NODE]: this.#id.nodeName },
    });
    await ensurePauseImage(this.docker, this.#logger, this.#id.pauseImage);
    this.#podCidr = config.podCidr;
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    if (!config.hostNetwork && !this.#podCidr) throw new Error('docker runtime: no pod CIDR yet (updateRuntimeConfig first)');
    const m = config.metadata;
    const container = await this.docker.createContainer(toSandboxCreateOptions(config, this.#id));
    try {
      await container.start();
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw new Error(`sandbox ${m.namespace}/${m.name}: start failed`, { cause: err });
    }
    if (config.dns?.servers?.length && !config.hostNetwork) await this.#rewriteResolvConf(container.id, config);
    this.#logger.debug({ pod: `${m.namespace}/${m.name}`, sandbox: container.id }, 'sandbox started');
    return container.id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    for (const c of await this.listContainers({ podSandboxId: id })) {
      if (c.state === 'CONTAINER_RUNNING') await this.stopContainer(c.id, 0);
    }
    await this.stopContainer(id, 0);
  }

  async removePodSandbox(id: string): Promise<void> {
    for (const c of await this.listContainers({ podSandboxId: id })) await this.removeContainer(c.id);
    await this.removeContainer(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const info = await this.#inspect(id);
    if (!info || info.Config.Labels?.[LABEL_SANDBOX] !== 'true') return undefined;
    const labels = info.Config.Labels ?? {};
    const running = info.State.Running;
    const network = info.NetworkSettings.Networks?.[this.#id.networkName];
    return {
      id: info.Id,
      metadata: getSandboxMetadata(labels),
      state: running ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
      createdAt: parseDockerTime(info.Created),
      labels,
      ip: running ? (network?.IPAddress ?? '') : '',
    };
  }

  async listPodSandboxes(filter: SandboxFilter = {}): Promise<PodSandbox[]> {
    const found = await this.#list({ ...filter.labels, [LABEL_SANDBOX]: 'true' }, filter.id);
    return found
      .map(
        (c): PodSandbox => ({
          id: c.Id,
          metadata: getSandboxMetadata(c.Labels),
          state: c.State === 'running' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY',
          createdAt: c.Created * 1000,
          labels: c.Labels,
        }),
      )
      .filter((s) => !filter.state || s.state === filter.state);
  }

  async imageExists(image: string): Promise<boolean> {
    return hasImage(this.docker, image);
  }

  async imageUser(image: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(withDefaultTag(image)).inspect()).Config?.User ?? '';
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Pulls through the daemon (X-Registry-Auth from `auth`); returns the image's id (sha256:...). */
  async pullImage(image: string, auth?: RegistryAuth): Promise<string> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(withDefaultTag(image), auth ? { authconfig: auth } : {});
    } catch (err) {
      throw new Error(`image ${image}: pull failed: ${(err as Error).message}`, { cause: err });
    }
    const output = await new Promise<{ error?: string }[]>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err ? reject(err) : resolve(out)));
    });
    const failure = output.find((o) => o.error);
    if (failure) throw new Error(`image ${image}: pull failed: ${failure.error}`);
    return (await this.docker.getImage(withDefaultTag(image)).inspect()).Id;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const options = toContainerCreateOptions({ sandboxId: podSandboxId, config, sandbox: sandboxConfig, allowPrivileged: this.#allowPrivileged }, this.#id);
    const container = await this.docker.createContainer(options);
    return container.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
  }

  /** SIGTERM, then SIGKILL after `timeoutSeconds` (Docker's own stop timeout); gone or stopped is fine. */
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(timeoutSeconds)) });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 304 && code !== 404) throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      // 409: a removal already in progress; the container is going anyway.
      if (code !== 404 && code !== 409) throw err;
    }
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    const labels: Labels = { ...filter.labels, [LABEL_SANDBOX]: 'false' };
    if (filter.podSandboxId) labels[LABEL_SANDBOX_ID] = filter.podSandboxId;
    return (await this.#list(labels, filter.id))
      .map(
        (c): Container => ({
          id: c.Id,
          podSandboxId: c.Labels[LABEL_SANDBOX_ID] ?? '',
          name: c.Labels[LABEL_CONTAINER_NAME] ?? '',
          attempt: Number(c.Labels[LABEL_ATTEMPT] ?? 0),
          image: c.Image,
          imageRef: c.ImageID,
          state: toContainerState(c.State),
          createdAt: c.Created * 1000,
          labels: c.Labels,
        }),
      )
      .filter((c) => !filter.state || c.state === filter.state);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const info = await this.#inspect(id);
    if (!info || info.Config.Labels?.[LABEL_SANDBOX] !== 'false') return undefined;
    const labels = info.Config.Labels ?? {};
    const state = toContainerState(info.State.Status);
    return {
      id: info.Id,
      podSandboxId: labels[LABEL_SANDBOX_ID] ?? '',
      name: labels[LABEL_CONTAINER_NAME] ?? '',
      attempt: Number(labels[LABEL_ATTEMPT] ?? 0),
      image: info.Config.Image,
      imageRef: info.Image,
      state,
      createdAt: parseDockerTime(info.Created),
      labels,
      startedAt: parseDockerTime(info.State.StartedAt),
      finishedAt: parseDockerTime(info.State.FinishedAt),
      exitCode: info.State.ExitCode,
      reason: state === 'CONTAINER_EXITED' ? getExitReason(info.State) : '',
      message: info.State.Error ?? '',
    };
  }

  /** The container's output (stdout and stderr interleaved), for `kubectl logs`. */
  async containerLogs(id: string, opts: LogOptions = {}): Promise<NodeJS.ReadableStream> {
    return streamContainerLogs(this.docker, id, opts);
  }

  /** Runs a command in a running container with hijacked stdio, for `kubectl exec` and exec probes. */
  async exec(id: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecSession> {
    return execInContainer(this.docker, id, cmd, opts);
  }

  /** Removes the node's network once no sandbox uses it (node teardown, tests). */
  async removeNetwork(): Promise<void> {
    await removeBridgeNetwork(this.docker, this.#id.networkName);
    this.#podCidr = '';
  }

  /**
   * On its own networks Docker points resolv.conf at its embedded resolver (127.0.0.11), which would
   * also answer with Docker's container names. Pods must query the cluster DNS directly, so, like
   * dockershim, we rewrite the sandbox's resolv.conf, which the pod's containers share.
   */
  async #rewriteResolvConf(id: string, config: PodSandboxConfig): Promise<void> {
    const path = (await this.docker.getContainer(id).inspect()).ResolvConfPath;
    try {
      await writeFile(path, renderResolvConf(config.dns ?? {}));
    } catch (err) {
      // A remote Docker host: its files are out of reach; DNS still works through Docker's resolver.
      this.#logger.warn({ pod: `${config.metadata.namespace}/${config.metadata.name}`, path, err }, 'cannot rewrite resolv.conf');
    }
  }

  async #inspect(id: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      return info.Config.Labels?.[LABEL_NODE] === this.#id.nodeName ? info : undefined;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Lists containers of this node carrying every given label (Docker filters server-side). */
  async #list(labels: Labels, id?: string): Promise<Docker.ContainerInfo[]> {
    const all = { ...labels, ...this.#id.extraLabels, [LABEL_NODE]: this.#id.nodeName };
    const filters: Record<string, string[]> = { label: Object.entries(all).map(([k, v]) => `${k}=${v}`) };
    if (id) filters.id = [id];
    const found = await this.docker.listContainers({ all: true, filters });
    // Docker's id filter matches prefixes; the CRI wants exact ids.
    return found.filter((c) => (!id || c.Id === id) && matchesLabels(c.Labels, all));
  }
}

function getSandboxMetadata(labels: Labels) {
  return {
    name: labels[LABEL_POD_NAME] ?? '',
    namespace: labels[LABEL_POD_NAMESPACE] ?? '',
    uid: labels[LABEL_POD_UID] ?? '',
    attempt: Number(labels[LABEL_ATTEMPT] ?? 0),
  };
}

/** `busybox` pulls every tag without one; Kubernetes means `busybox:latest`. */
function withDefaultTag(image: string): string {
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  return lastSegment.includes(':') || lastSegment.includes('@') ? image : `${image}:latest`;
}
