/**
 * The parts of a container's runtime config the kubelet derives from its spec alone
 * (kuberuntime's generateLinuxContainerConfig): cgroup values from requests/limits and the
 * security settings Docker can express.
 */
import { join } from 'node:path';
import { parseQuantity, type Container as KubeContainer, type Pod } from '@skiff/api';
import type { ContainerSecurity, LinuxResources } from '../container-runtime.ts';

export const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;

function milli(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  return parseQuantity(value).toMilli();
}

function bytes(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  return parseQuantity(value).toInteger();
}

/**
 * cpu shares from the request (or the limit, which defaults the request), as
 * MilliCPUToShares; quota from the limit over a 100 ms period; memory limit in bytes.
 */
export function toLinuxResources(container: KubeContainer): LinuxResources {
  const requests = (container.resources?.requests ?? {}) as Record<string, string | number>;
  const limits = (container.resources?.limits ?? {}) as Record<string, string | number>;
  const out: LinuxResources = {};
  const cpuRequest = milli(requests.cpu ?? limits.cpu);
  out.cpuShares = cpuRequest === undefined ? MIN_SHARES : Math.max(MIN_SHARES, Math.floor((cpuRequest * SHARES_PER_CPU) / 1000));
  const cpuLimit = milli(limits.cpu);
  if (cpuLimit !== undefined && cpuLimit > 0) {
    out.cpuPeriod = CPU_PERIOD_US;
    // The kernel refuses quotas under 1 ms.
    out.cpuQuota = Math.max(1000, Math.floor((cpuLimit * CPU_PERIOD_US) / 1000));
  }
  const memoryLimit = bytes(limits.memory);
  if (memoryLimit !== undefined && memoryLimit > 0) out.memoryLimitInBytes = memoryLimit;
  return out;
}

/** The merged securityContext fields the kubelet itself acts on (upstream's DetermineEffectiveSecurityContext). */
export interface EffectiveSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  seccompProfile?: { type?: string; localhostProfile?: string };
}

export function getEffectiveSecurity(pod: Pod, container: KubeContainer): EffectiveSecurity {
  const podCtx = pod.spec?.securityContext ?? {};
  const ctx = container.securityContext ?? {};
  const out: EffectiveSecurity = {};
  const runAsUser = ctx.runAsUser ?? podCtx.runAsUser;
  const runAsGroup = ctx.runAsGroup ?? podCtx.runAsGroup;
  const runAsNonRoot = ctx.runAsNonRoot ?? podCtx.runAsNonRoot;
  const seccompProfile = ctx.seccompProfile ?? podCtx.seccompProfile;
  if (runAsUser !== undefined) out.runAsUser = runAsUser;
  if (runAsGroup !== undefined) out.runAsGroup = runAsGroup;
  if (runAsNonRoot !== undefined) out.runAsNonRoot = runAsNonRoot;
  if (seccompProfile) out.seccompProfile = seccompProfile;
  return out;
}

/**
 * The container's securityContext over the pod's (container fields win), in the runtime's terms.
 * A Localhost seccomp profile is left out: the kubelet reads its file (resolveSeccompProfile).
 */
export function toContainerSecurity(pod: Pod, container: KubeContainer): ContainerSecurity {
  const podCtx = pod.spec?.securityContext ?? {};
  const ctx = container.securityContext ?? {};
  const effective = getEffectiveSecurity(pod, container);
  const privileged = ctx.privileged === true;
  const add = ctx.capabilities?.add ?? [];
  const drop = ctx.capabilities?.drop ?? [];
  // fsGroup first, then supplementalGroups, as kuberuntime's convertToRuntimeSecurityContext.
  const groups = [...(podCtx.fsGroup !== undefined ? [podCtx.fsGroup] : []), ...(podCtx.supplementalGroups ?? [])];
  const seccomp = effective.seccompProfile?.type;
  const canEscalate = privileged || add.some((c) => normalizeCapability(c) === 'SYS_ADMIN' || normalizeCapability(c) === 'ALL');
  return {
    ...(effective.runAsUser !== undefined ? { runAsUser: effective.runAsUser } : {}),
    ...(effective.runAsGroup !== undefined ? { runAsGroup: effective.runAsGroup } : {}),
    ...(groups.length > 0 ? { supplementalGroups: [...new Set(groups)] } : {}),
    ...(ctx.readOnlyRootFilesystem ? { readOnlyRootFilesystem: true } : {}),
    ...(privileged ? { privileged: true } : {}),
    ...(add.length > 0 ? { capabilitiesAdd: add.map(normalizeCapability) } : {}),
    ...(drop.length > 0 ? { capabilitiesDrop: drop.map(normalizeCapability) } : {}),
    // AddNoNewPrivileges: only an explicit false sets it; privileged or CAP_SYS_ADMIN imply escalation.
    ...(ctx.allowPrivilegeEscalation === false && !canEscalate ? { noNewPrivileges: true } : {}),
    // A privileged container runs unconfined, whatever its profile says.
    ...(privileged || seccomp === 'Unconfined'
      ? { seccomp: { type: 'Unconfined' as const } }
      : seccomp === 'RuntimeDefault'
        ? { seccomp: { type: 'RuntimeDefault' as const } }
        : {}),
    // Privileged containers already see /proc unmasked.
    ...(ctx.procMount === 'Unmasked' && !privileged ? { unmaskedProc: true } : {}),
  };
}

/** `CAP_NET_RAW`, `net_raw` → `NET_RAW`, as Kubernetes writes capability names. */
function normalizeCapability(name: string): string {
  return name.toUpperCase().replace(/^CAP_/, '');
}

/**
 * The Localhost profile's path under the kubelet's seccomp root, or undefined when the container
 * does not ask for one (privileged containers never do: they run unconfined).
 */
export function getLocalhostSeccompPath(pod: Pod, container: KubeContainer, seccompRoot: string): string | undefined {
  const profile = getEffectiveSecurity(pod, container).seccompProfile;
  if (profile?.type !== 'Localhost' || container.securityContext?.privileged) return undefined;
  return join(seccompRoot, profile.localhostProfile ?? '');
}

/**
 * verifyRunAsNonRoot: with runAsNonRoot the container must not run as uid 0, judged from runAsUser or
 * else from the image's user; a user name cannot be checked, so it is refused too. Returns the
 * kubelet's refusal, or undefined when the container may run.
 */
export function verifyRunAsNonRoot(pod: Pod, container: KubeContainer, imageUser: string | undefined): string | undefined {
  const effective = getEffectiveSecurity(pod, container);
  if (!effective.runAsNonRoot) return undefined;
  const who = `(pod: "${formatPod(pod)}", container: ${container.name})`;
  if (effective.runAsUser !== undefined) {
    return effective.runAsUser === 0 ? `container's runAsUser breaks non-root policy ${who}` : undefined;
  }
  // Config.User is `user`, `user:group`, `uid` or `uid:gid`; empty means root.
  const user = (imageUser ?? '').split(':')[0]!;
  if (user === '' || user === 'root' || (/^\d+$/.test(user) && Number(user) === 0)) {
    return `container has runAsNonRoot and image will run as root ${who}`;
  }
  if (!/^\d+$/.test(user)) {
    return `container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root ${who}`;
  }
  return undefined;
}

/** format.Pod: `name_namespace(uid)`. */
export function formatPod(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}
