/**
 * Pure translations between the CRI-shaped ContainerRuntime types and Docker's API, kept apart from
 * DockerRuntime so they can be tested without a Docker daemon. Container names follow dockershim's
 * `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>` so `docker ps` stays readable.
 */
import type Docker from 'dockerode';
import {
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  type ContainerConfig,
  type ContainerSecurity,
  type ContainerState,
  type Labels,
  type PodSandboxConfig,
} from '../container-runtime.ts';

/** On every sandbox: `true`; on every container of a pod: `false`. */
export const LABEL_SANDBOX = 'skiff.sandbox';
/** The node whose kubelet owns the object: several kubelets may share one Docker host (the lab). */
export const LABEL_NODE = 'skiff.node';
/** On containers: the id of their sandbox. */
export const LABEL_SANDBOX_ID = 'skiff.sandbox.id';
export const LABEL_ATTEMPT = 'skiff.attempt';
export const LABEL_RESTART_COUNT = 'io.kubernetes.container.restartCount';
/** Docker has no annotations: they are stored as labels under this prefix, as dockershim did. */
export const ANNOTATION_PREFIX = 'annotation.';
export const SANDBOX_CONTAINER_NAME = 'POD';

export interface RuntimeIdentity {
  nodeName: string;
  networkName: string;
  pauseImage: string;
  /** Labels put on everything this runtime creates (tests tag their objects with them). */
  extraLabels: Labels;
}

export function getSandboxName(config: PodSandboxConfig): string {
  const m = config.metadata;
  return sanitize(`k8s_${SANDBOX_CONTAINER_NAME}_${m.name}_${m.namespace}_${m.uid}_${m.attempt}`);
}

export function getContainerName(config: ContainerConfig, sandbox: PodSandboxConfig): string {
  const m = sandbox.metadata;
  return sanitize(`k8s_${config.name}_${m.name}_${m.namespace}_${m.uid}_${config.attempt}`);
}

/** Docker names allow [a-zA-Z0-9_.-]; pod names already fit, this guards odd input. */
function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

function toAnnotationLabels(annotations: Labels | undefined): Labels {
  return Object.fromEntries(Object.entries(annotations ?? {}).map(([k, v]) => [`${ANNOTATION_PREFIX}${k}`, v]));
}

export function toSandboxCreateOptions(config: PodSandboxConfig, id: RuntimeIdentity): Docker.ContainerCreateOptions {
  const m = config.metadata;
  const labels: Labels = {
    ...config.labels,
    ...toAnnotationLabels(config.annotations),
    ...id.extraLabels,
    [LABEL_POD_NAME]: m.name,
    [LABEL_POD_NAMESPACE]: m.namespace,
    [LABEL_POD_UID]: m.uid,
    [LABEL_CONTAINER_NAME]: SANDBOX_CONTAINER_NAME,
    [LABEL_SANDBOX]: 'true',
    [LABEL_NODE]: id.nodeName,
    [LABEL_ATTEMPT]: String(m.attempt),
  };
  const dns = config.dns;
  return {
    name: getSandboxName(config),
    Image: id.pauseImage,
    Hostname: config.hostNetwork ? undefined : config.hostname,
    Labels: labels,
    HostConfig: {
      NetworkMode: config.hostNetwork ? 'host' : id.networkName,
      // Containers of the pod join this IPC namespace with `container:<sandbox>`.
      IpcMode: 'shareable',
      Dns: dns?.servers,
      DnsSearch: dns?.searches,
      DnsOptions: dns?.options,
      // The pod's sysctls live in the namespaces its containers join (net, ipc): set them here.
      ...(config.sysctls ? { Sysctls: config.sysctls } : {}),
      RestartPolicy: { Name: 'no' },
    },
  };
}

export interface ContainerCreateInput {
  sandboxId: string;
  config: ContainerConfig;
  sandbox: PodSandboxConfig;
  allowPrivileged: boolean;
}

export function toContainerCreateOptions(input: ContainerCreateInput, id: RuntimeIdentity): Docker.ContainerCreateOptions {
  const { config, sandbox, sandboxId } = input;
  const m = sandbox.metadata;
  const security = config.securityContext ?? {};
  if (security.privileged && !input.allowPrivileged) {
    throw new Error(`container ${m.namespace}/${m.name}/${config.name}: privileged containers are not allowed on this node`);
  }
  const labels: Labels = {
    ...config.labels,
    ...toAnnotationLabels(config.annotations),
    ...id.extraLabels,
    [LABEL_POD_NAME]: m.name,
    [LABEL_POD_NAMESPACE]: m.namespace,
    [LABEL_POD_UID]: m.uid,
    [LABEL_CONTAINER_NAME]: config.name,
    [LABEL_SANDBOX]: 'false',
    [LABEL_NODE]: id.nodeName,
    [LABEL_SANDBOX_ID]: sandboxId,
    [LABEL_ATTEMPT]: String(config.attempt),
    [LABEL_RESTART_COUNT]: String(config.attempt),
  };
  const r = config.resources ?? {};
  const { entrypoint, cmd } = toEntrypointAndCmd(config.command, config.args);
  return {
    name: getContainerName(config, sandbox),
    Image: config.image,
    Entrypoint: entrypoint,
    Cmd: cmd,
    Env: config.env?.map((e) => `${e.name}=${e.value}`),
    WorkingDir: config.workingDir || undefined,
    User: toDockerUser(security),
    // As dockershim: stdin open (and attached, so Docker keeps it) only when the spec asks.
    ...(config.stdin ? { OpenStdin: true, AttachStdin: true, StdinOnce: config.stdinOnce ?? false } : {}),
    ...(config.tty ? { Tty: true } : {}),
    Labels: labels,
    HostConfig: {
      NetworkMode: `container:${sandboxId}`,
      IpcMode: `container:${sandboxId}`,
      Binds: config.mounts?.map((mt) => `${mt.hostPath}:${mt.containerPath}${mt.readOnly ? ':ro' : ''}`),
      CpuPeriod: r.cpuPeriod,
      CpuQuota: r.cpuQuota,
      CpuShares: r.cpuShares,
      Memory: r.memoryLimitInBytes,
      ReadonlyRootfs: security.readOnlyRootFilesystem ?? false,
      Privileged: security.privileged ?? false,
      ...toSecurityHostConfig(security),
      // The kubelet restarts containers itself (restartPolicy, CrashLoopBackOff); Docker must not.
      RestartPolicy: { Name: 'no' },
    },
  };
}

/** `uid`, or `uid:gid` with runAsGroup (the image's user, else root, when only the group is set). */
function toDockerUser(security: ContainerSecurity): string | undefined {
  const user = security.runAsUser !== undefined ? String(security.runAsUser) : security.runAsUsername;
  if (security.runAsGroup === undefined) return user;
  return `${user || '0'}:${security.runAsGroup}`;
}

/**
 * Capabilities, no_new_privs, seccomp, /proc masking and groups in Docker's HostConfig. Docker's
 * default capability set keeps NET_RAW; like containerd's, ours drops it unless the spec adds it
 * back. A privileged container gets every capability and no seccomp filter from Docker itself.
 */
export function toSecurityHostConfig(security: ContainerSecurity): Docker.HostConfig {
  const add = security.capabilitiesAdd ?? [];
  const drop = security.capabilitiesDrop ?? [];
  const out: Docker.HostConfig = {};
  if (!security.privileged) {
    if (add.length > 0) out.CapAdd = add;
    const addsNetRaw = add.includes('NET_RAW') || add.includes('ALL');
    const dropped = drop.includes('ALL') ? drop : [...drop, ...(addsNetRaw || drop.includes('NET_RAW') ? [] : ['NET_RAW'])];
    if (dropped.length > 0) out.CapDrop = dropped;
  }
  const opts: string[] = [];
  if (security.noNewPrivileges) opts.push('no-new-privileges');
  if (security.seccomp?.type === 'Unconfined') opts.push('seccomp=unconfined');
  if (security.seccomp?.type === 'Localhost' && !security.privileged) opts.push(`seccomp=${security.seccomp.json}`);
  if (opts.length > 0) out.SecurityOpt = opts;
  if (security.supplementalGroups?.length) out.GroupAdd = security.supplementalGroups.map(String);
  if (security.unmaskedProc && !security.privileged) {
    out.MaskedPaths = [];
    out.ReadonlyPaths = [];
  }
  return out;
}

/**
 * Kubernetes' command/args over the image's ENTRYPOINT/CMD: command replaces the entrypoint (and
 * drops the image's CMD), args replace CMD. Docker already ignores the image's CMD when the
 * entrypoint is overridden, so the mapping is direct.
 */
export function toEntrypointAndCmd(command?: string[], args?: string[]): { entrypoint?: string[]; cmd?: string[] } {
  return {
    entrypoint: command && command.length > 0 ? command : undefined,
    cmd: args && args.length > 0 ? args : undefined,
  };
}

/** Docker's container states (created, running, paused, restarting, removing, exited, dead) in CRI's terms. */
export function toContainerState(dockerState: string): ContainerState {
  switch (dockerState) {
    case 'created':
      return 'CONTAINER_CREATED';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'CONTAINER_RUNNING';
    case 'exited':
    case 'dead':
    case 'removing':
      return 'CONTAINER_EXITED';
    default:
      return 'CONTAINER_UNKNOWN';
  }
}

/** Docker writes `0001-01-01T00:00:00Z` for "never"; the runtime types use 0. */
export function parseDockerTime(value: string | undefined): number {
  if (!value || value.startsWith('0001-')) return 0;
  // Docker gives nanoseconds (`.123456789Z`), which Date.parse rejects: keep milliseconds.
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? 0 : ms;
}

/** resolv.conf for a pod with its own DNS settings. */
export function renderResolvConf(dns: { servers?: string[]; searches?: string[]; options?: string[] }): string {
  const lines = [
    ...(dns.searches?.length ? [`search ${dns.searches.join(' ')}`] : []),
    ...(dns.servers ?? []).map((s) => `nameserver ${s}`),
    ...(dns.options?.length ? [`options ${dns.options.join(' ')}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** The reason kubelet reports for an exited container: OOMKilled wins, then Completed for 0, else Error. */
export function getExitReason(state: { OOMKilled?: boolean; ExitCode?: number }): string {
  if (state.OOMKilled) return 'OOMKilled';
  return state.ExitCode === 0 ? 'Completed' : 'Error';
}

/** Annotations stored as prefixed labels, back as a map. */
export function getAnnotations(labels: Labels): Labels {
  return Object.fromEntries(
    Object.entries(labels)
      .filter(([k]) => k.startsWith(ANNOTATION_PREFIX))
      .map(([k, v]) => [k.slice(ANNOTATION_PREFIX.length), v]),
  );
}
