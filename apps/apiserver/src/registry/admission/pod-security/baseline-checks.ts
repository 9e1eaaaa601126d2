/**
 * The baseline level of the Pod Security Standards: no host namespaces, privileged containers,
 * extra capabilities, hostPath volumes, hostPorts, host probes, unconfined AppArmor / seccomp,
 * custom SELinux, unmasked /proc, unsafe sysctls or Windows hostProcess. Reasons and details
 * in the words of upstream's pod-security-admission policy checks.
 */
import type { PodSecurityContext, SecurityContext } from 'kubernetes-types/core/v1.js';
import {
  containersPhrase,
  containersWhere,
  inUserNamespace,
  joinQuote,
  pluralize,
  quote,
  settersPhrase,
  sorted,
  visitContainers,
  type Check,
  type PodMeta,
  type Violation,
} from './check-helpers.ts';
import type { PodSpec } from '@skiff/api';

const violation = (reason: string, detail: string): Violation => ({ reason, detail });

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const allowedAppArmorAnnotation = (v: string) => v === '' || v === 'runtime/default' || v.startsWith('localhost/');
const allowedAppArmorType = (t: string | undefined) => t === undefined || t === 'RuntimeDefault' || t === 'Localhost';

const appArmorProfile: Check = {
  id: 'appArmorProfile',
  level: 'baseline',
  run(meta, spec) {
    const forbidden: string[] = [];
    for (const [key, value] of Object.entries(meta.annotations ?? {})) {
      if (key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(value)) forbidden.push(`${key}=${quote(value)}`);
    }
    const podType = spec.securityContext?.appArmorProfile?.type;
    if (!allowedAppArmorType(podType)) forbidden.push(`securityContext.appArmorProfile.type=${quote(podType!)}`);
    visitContainers(spec, (c) => {
      const type = c.securityContext?.appArmorProfile?.type;
      if (!allowedAppArmorType(type)) forbidden.push(`containers[${quote(c.name)}].securityContext.appArmorProfile.type=${quote(type!)}`);
    });
    if (forbidden.length === 0) return undefined;
    forbidden.sort();
    return violation(pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', forbidden.length), forbidden.join(', '));
  },
};

const CAPABILITIES_ALLOWED = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const capabilitiesBaseline: Check = {
  id: 'capabilities_baseline',
  level: 'baseline',
  run(_meta, spec) {
    const added: string[] = [];
    const bad = containersWhere(spec, (c) => {
      const extra = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !CAPABILITIES_ALLOWED.has(cap));
      added.push(...extra);
      return extra.length > 0;
    });
    if (bad.length === 0) return undefined;
    return violation('non-default capabilities', `${containersPhrase(bad)} must not include ${joinQuote(sorted(added))} in securityContext.capabilities.add`);
  },
};

const hostNamespaces: Check = {
  id: 'hostNamespaces',
  level: 'baseline',
  run(_meta, spec) {
    const set = [spec.hostNetwork && 'hostNetwork=true', spec.hostPID && 'hostPID=true', spec.hostIPC && 'hostIPC=true'].filter((s): s is string => Boolean(s));
    return set.length > 0 ? violation('host namespaces', set.join(', ')) : undefined;
  },
};

export const HOST_PATH_VOLUMES = 'hostPathVolumes';

const hostPathVolumes: Check = {
  id: HOST_PATH_VOLUMES,
  level: 'baseline',
  run(_meta, spec) {
    const names = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
    return names.length > 0 ? violation('hostPath volumes', `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}`) : undefined;
  },
};

const hostPorts: Check = {
  id: 'hostPorts',
  level: 'baseline',
  run(_meta, spec) {
    const ports: string[] = [];
    const bad = containersWhere(spec, (c) => {
      const used = (c.ports ?? []).filter((p) => p.hostPort).map((p) => String(p.hostPort));
      ports.push(...used);
      return used.length > 0;
    });
    if (bad.length === 0) return undefined;
    const list = sorted(ports);
    return violation(
      'hostPort',
      `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
    );
  },
};

/** Probes and lifecycle handlers may not aim at another host than the pod's own (1.34). */
const hostProbesAndHostLifecycle: Check = {
  id: 'hostProbesAndHostLifecycle',
  level: 'baseline',
  since: 34,
  run(_meta, spec) {
    const hosts: string[] = [];
    const bad = containersWhere(spec, (c) => {
      const handlers = [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop];
      const set = handlers.flatMap((h) => [h?.httpGet?.host, h?.tcpSocket?.host]).filter((h): h is string => Boolean(h));
      hosts.push(...set);
      return set.length > 0;
    });
    if (bad.length === 0) return undefined;
    const list = sorted(hosts);
    return violation(
      'probe or lifecycle host',
      `${containersPhrase(sorted(bad))} ${pluralize('uses', 'use', bad.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', list.length)} ${joinQuote(list)}`,
    );
  },
};

const privileged: Check = {
  id: 'privileged',
  level: 'baseline',
  run(_meta, spec) {
    const bad = containersWhere(spec, (c) => c.securityContext?.privileged === true);
    return bad.length > 0 ? violation('privileged', `${containersPhrase(bad)} must not set securityContext.privileged=true`) : undefined;
  },
};

const procMount: Check = {
  id: 'procMount',
  level: 'baseline',
  run(_meta, spec) {
    if (inUserNamespace(spec)) return undefined;
    const types: string[] = [];
    const bad = containersWhere(spec, (c) => {
      const mount = c.securityContext?.procMount;
      if (mount === undefined || mount === 'Default') return false;
      types.push(mount);
      return true;
    });
    return bad.length > 0
      ? violation('procMount', `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sorted(types))}`)
      : undefined;
  },
};

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

const seLinuxOptions: Check = {
  id: 'seLinuxOptions',
  level: 'baseline',
  run(_meta, spec) {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const invalid = (ctx: PodSecurityContext | SecurityContext | undefined): boolean => {
      const opts = ctx?.seLinuxOptions;
      if (!opts) return false;
      let bad = false;
      if (!SELINUX_TYPES.has(opts.type ?? '')) {
        bad = true;
        badTypes.push(opts.type!);
      }
      if (opts.user) {
        bad = true;
        setUser = true;
      }
      if (opts.role) {
        bad = true;
        setRole = true;
      }
      return bad;
    };
    const podBad = invalid(spec.securityContext);
    const bad = containersWhere(spec, (c) => invalid(c.securityContext));
    if (!podBad && bad.length === 0) return undefined;
    const data: string[] = [];
    if (badTypes.length > 0) data.push(`${pluralize('type', 'types', sorted(badTypes).length)} ${joinQuote(sorted(badTypes))}`);
    if (setUser) data.push('user may not be set');
    if (setRole) data.push('role may not be set');
    return violation('seLinuxOptions', `${settersPhrase(podBad, bad)} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`);
  },
};

export const validSeccomp = (type: string | undefined): boolean => type === 'RuntimeDefault' || type === 'Localhost';

/** Who set a seccompProfile.type outside RuntimeDefault / Localhost, and the values, as both seccomp checks word it. */
export function badSeccompSetters(spec: PodSpec): { pod: boolean; containers: string[]; values: string[] } {
  const values: string[] = [];
  const podProfile = spec.securityContext?.seccompProfile;
  const pod = podProfile !== undefined && !validSeccomp(podProfile.type);
  if (pod) values.push(podProfile.type);
  const containers = containersWhere(spec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (profile === undefined || validSeccomp(profile.type)) return false;
    values.push(profile.type);
    return true;
  });
  return { pod, containers, values: sorted(values) };
}

export const SECCOMP_BASELINE = 'seccompProfile_baseline';

const seccompProfileBaseline: Check = {
  id: SECCOMP_BASELINE,
  level: 'baseline',
  run(_meta, spec) {
    const bad = badSeccompSetters(spec);
    if (!bad.pod && bad.containers.length === 0) return undefined;
    return violation(
      'seccompProfile',
      `${settersPhrase(bad.pod, bad.containers)} must not set securityContext.seccompProfile.type to ${joinQuote(bad.values)}`,
    );
  },
};

/** The namespaced, isolated sysctls, with the policy version that allowed each. */
const SAFE_SYSCTLS: ReadonlyMap<string, number> = new Map([
  ['kernel.shm_rmid_forced', 0],
  ['net.ipv4.ip_local_port_range', 0],
  ['net.ipv4.tcp_syncookies', 0],
  ['net.ipv4.ping_group_range', 0],
  ['net.ipv4.ip_unprivileged_port_start', 0],
  ['net.ipv4.ip_local_reserved_ports', 27],
  ['net.ipv4.tcp_keepalive_time', 29],
  ['net.ipv4.tcp_fin_timeout', 29],
  ['net.ipv4.tcp_keepalive_intvl', 29],
  ['net.ipv4.tcp_keepalive_probes', 29],
  ['net.ipv4.tcp_rmem', 32],
  ['net.ipv4.tcp_wmem', 32],
]);

const sysctls: Check = {
  id: 'sysctls',
  level: 'baseline',
  run(_meta, spec, minor) {
    const names = (spec.securityContext?.sysctls ?? [])
      .map((s) => s.name)
      .filter((name) => {
        const since = SAFE_SYSCTLS.get(name);
        return since === undefined || since > minor;
      });
    return names.length > 0 ? violation('forbidden sysctls', names.join(', ')) : undefined;
  },
};

const windowsHostProcess: Check = {
  id: 'windowsHostProcess',
  level: 'baseline',
  run(_meta, spec) {
    const pod = spec.securityContext?.windowsOptions?.hostProcess === true;
    const bad = containersWhere(spec, (c) => c.securityContext?.windowsOptions?.hostProcess === true);
    if (!pod && bad.length === 0) return undefined;
    return violation('hostProcess', `${settersPhrase(pod, bad)} must not set securityContext.windowsOptions.hostProcess=true`);
  },
};

export const baselineChecks: Check[] = [
  appArmorProfile,
  capabilitiesBaseline,
  hostNamespaces,
  hostPathVolumes,
  hostPorts,
  hostProbesAndHostLifecycle,
  privileged,
  procMount,
  seLinuxOptions,
  seccompProfileBaseline,
  sysctls,
  windowsHostProcess,
];

export type { PodMeta };
