/**
 * The kubelet's view of a container runtime, shaped after the CRI (runtime + image
 * services) so that the Docker runtime of a later issue and the fake one of hollow nodes are
 * interchangeable. Everything the kubelet needs to find again is keyed by labels carrying the
 * pod's uid/name/namespace and the container's name, as kubelet's kuberuntime does, so the
 * kubelet can rebuild its state from the runtime after a restart.
 */

import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from '@skiff/api';

/** The labels kuberuntime puts on every sandbox and container (the same names as Kubernetes). */
export { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID };

export type Labels = Record<string, string>;

export interface PodSandboxMetadata {
  name: string;
  namespace: string;
  uid: string;
  /** Incremented each time the sandbox of the same pod is recreated. */
  attempt: number;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  labels: Labels;
  annotations?: Labels;
  /** Host network pods get the node's address instead of one from the pod CIDR. */
  hostNetwork?: boolean;
  /** The pod's resolv.conf (from its dnsPolicy/dnsConfig); the runtime's default when absent. */
  dns?: DnsConfig;
  /** spec.securityContext.sysctls, set on the sandbox whose namespaces the containers share. */
  sysctls?: Record<string, string>;
}

export interface DnsConfig {
  servers?: string[];
  searches?: string[];
  /** resolv.conf options, e.g. `ndots:5`. */
  options?: string[];
}

/** A host path bind-mounted into a container (volumes are prepared on the host by the kubelet). */
export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

/** CRI's LinuxContainerResources: cgroup values already converted from the pod's requests/limits. */
export interface LinuxResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
}

/** A seccomp profile as the runtime applies it: Localhost carries the profile's JSON, read by the kubelet. */
export type SeccompProfile = { type: 'RuntimeDefault' } | { type: 'Unconfined' } | { type: 'Localhost'; json: string };

/** CRI's LinuxContainerSecurityContext, already merged from the pod's and the container's securityContext. */
export interface ContainerSecurity {
  runAsUser?: number;
  /** The image's own user, when runAsGroup is set without runAsUser (Docker wants `user:group`). */
  runAsUsername?: string;
  runAsGroup?: number;
  /** supplementalGroups, then fsGroup. */
  supplementalGroups?: number[];
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  /** Capability names as Kubernetes writes them (no CAP_ prefix), `ALL` included. */
  capabilitiesAdd?: string[];
  capabilitiesDrop?: string[];
  /** Sets no_new_privs on the container's process. */
  noNewPrivileges?: boolean;
  /** Absent: the runtime's default profile. */
  seccomp?: SeccompProfile;
  /** procMount Unmasked: no masked or read-only paths under /proc. */
  unmaskedProc?: boolean;
}

/** Credentials for one registry, as found in a kubernetes.io/dockerconfigjson pull secret. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress?: string;
}

export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: SandboxState;
  /** Unix ms. */
  createdAt: number;
  labels: Labels;
}

export interface PodSandboxStatus extends PodSandbox {
  /** The pod's IP inside the node's pod CIDR (empty for host network until given one). */
  ip: string;
}

export interface ContainerConfig {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value: string }[];
  workingDir?: string;
  mounts?: Mount[];
  resources?: LinuxResources;
  securityContext?: ContainerSecurity;
  labels: Labels;
  annotations?: Labels;
  /** Keep the process's stdin open (an attach can feed it); without it stdin is /dev/null. */
  stdin?: boolean;
  /** With stdin: close it after the first attach session ends (the process then sees EOF). */
  stdinOnce?: boolean;
  /** Give the process a terminal: its stdout and stderr become one stream. */
  tty?: boolean;
  /** Incremented on each restart of the same container. */
  attempt: number;
}

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface Container {
  id: string;
  podSandboxId: string;
  name: string;
  attempt: number;
  image: string;
  imageRef: string;
  state: ContainerState;
  /** Unix ms. */
  createdAt: number;
  labels: Labels;
}

export interface ContainerStatus extends Container {
  /** Unix ms; 0 when not started / not finished. */
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
}

export interface SandboxFilter {
  id?: string;
  state?: SandboxState;
  /** Every label given must match. */
  labels?: Labels;
}

export interface ContainerFilter {
  id?: string;
  podSandboxId?: string;
  state?: ContainerState;
  labels?: Labels;
}

export interface ContainerRuntime {
  /** 'fake', 'docker': shown in the node's containerRuntimeVersion as `<name>://<version>`. */
  readonly name: string;
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>;
  /** The node's pod CIDR, once the node-ipam controller assigned it (CRI's UpdateRuntimeConfig). */
  updateRuntimeConfig(config: { podCidr: string }): Promise<void>;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** Stops every container of the sandbox and releases its network; idempotent. */
  stopPodSandbox(id: string): Promise<void>;
  /** Removes a sandbox and its containers; idempotent. */
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined>;
  listPodSandboxes(filter?: SandboxFilter): Promise<PodSandbox[]>;

  /** Returns the image reference (digest) the container will run. */
  pullImage(image: string, auth?: RegistryAuth): Promise<string>;
  /** For imagePullPolicy IfNotPresent/Never; a runtime without it is taken to have every image. */
  imageExists?(image: string): Promise<boolean>;
  /** The user the image runs as (Config.User: `1000`, `app`, `0:0`, empty for root); undefined when unknown. */
  imageUser?(image: string): Promise<string | undefined>;
  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Gives the container `timeoutSeconds` to exit before killing it; idempotent. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
}

/** Labels identifying a pod's sandbox. */
export function podLabels(pod: { name: string; namespace: string; uid: string }): Labels {
  return { [LABEL_POD_NAME]: pod.name, [LABEL_POD_NAMESPACE]: pod.namespace, [LABEL_POD_UID]: pod.uid };
}

export function matchesLabels(have: Labels, want: Labels | undefined): boolean {
  if (!want) return true;
  return Object.entries(want).every(([k, v]) => have[k] === v);
}
