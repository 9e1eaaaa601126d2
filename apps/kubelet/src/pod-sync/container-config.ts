/**
 * The parts of a container's runtime config the kubelet derives from its spec alone
 * (kuberuntime's generateLinuxContainerConfig): cgroup values from requests/limits and the
 * security settings Docker can express.
 */
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

/** The container's securityContext over the pod's (container fields win). */
export function toContainerSecurity(pod: Pod, container: KubeContainer): ContainerSecurity {
  const podCtx = pod.spec?.securityContext ?? {};
  const ctx = container.securityContext ?? {};
  const runAsUser = ctx.runAsUser ?? podCtx.runAsUser;
  return {
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    ...(ctx.readOnlyRootFilesystem ? { readOnlyRootFilesystem: true } : {}),
    ...(ctx.privileged ? { privileged: true } : {}),
  };
}
