/**
 * The kubelet's sysctl admission (upstream's sysctl patternAllowlist): a pod may set only the
 * namespaced sysctls known to be safe (they cannot affect other pods or the node), and none of
 * a namespace it shares with the host. Anything else is refused with reason SysctlForbidden.
 */
import type { Pod } from '@skiff/api';

export const SYSCTL_FORBIDDEN_REASON = 'SysctlForbidden';

/** SafeSysctlAllowlist, with the namespace each one lives in. */
const SAFE_SYSCTLS: ReadonlyMap<string, 'ipc' | 'net'> = new Map([
  ['kernel.shm_rmid_forced', 'ipc'],
  ['net.ipv4.ip_local_port_range', 'net'],
  ['net.ipv4.tcp_syncookies', 'net'],
  ['net.ipv4.ping_group_range', 'net'],
  ['net.ipv4.ip_unprivileged_port_start', 'net'],
  ['net.ipv4.ip_local_reserved_ports', 'net'],
  ['net.ipv4.tcp_keepalive_time', 'net'],
  ['net.ipv4.tcp_fin_timeout', 'net'],
  ['net.ipv4.tcp_keepalive_intvl', 'net'],
  ['net.ipv4.tcp_keepalive_probes', 'net'],
  ['net.ipv4.tcp_rmem', 'net'],
  ['net.ipv4.tcp_wmem', 'net'],
]);

/** `net/ipv4/tcp_syncookies` and `net.ipv4.tcp_syncookies` name the same sysctl. */
export function normalizeSysctlName(name: string): string {
  const slash = name.indexOf('/');
  const dot = name.indexOf('.');
  if (slash < 0 || (dot >= 0 && dot < slash)) return name;
  // Slash-separated: a dot inside a component (an interface `eno2.100`) becomes a slash.
  return name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

/** The admit result: undefined when the pod may run, else upstream's message. */
export function checkPodSysctls(pod: Pod): { reason: string; message: string } | undefined {
  for (const s of pod.spec?.securityContext?.sysctls ?? []) {
    const name = normalizeSysctlName(s.name);
    const ns = SAFE_SYSCTLS.get(name);
    let problem: string | undefined;
    if (!ns) problem = `"${name}" not allowlisted`;
    else if (ns === 'net' && pod.spec?.hostNetwork) problem = `"${name}" not allowed with host net enabled`;
    else if (ns === 'ipc' && pod.spec?.hostIPC) problem = `"${name}" not allowed with host ipc enabled`;
    if (problem) return { reason: SYSCTL_FORBIDDEN_REASON, message: `forbidden sysctl: ${problem}` };
  }
  return undefined;
}

/** The pod's sysctls for its sandbox, by their dotted names; undefined when it sets none. */
export function getSandboxSysctls(pod: Pod): Record<string, string> | undefined {
  const list = pod.spec?.securityContext?.sysctls ?? [];
  if (list.length === 0) return undefined;
  return Object.fromEntries(list.map((s) => [normalizeSysctlName(s.name), s.value]));
}
