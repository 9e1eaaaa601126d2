import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { getLocalhostSeccompPath, toContainerSecurity, toLinuxResources, verifyRunAsNonRoot } from './container-config.ts';
import { checkPodSysctls, getSandboxSysctls, normalizeSysctlName } from './sysctls.ts';
import { getPodDns } from './pod-dns.ts';

test('resources: shares from requests, quota from limits over 100 ms, memory limit in bytes', () => {
  assert.deepEqual(toLinuxResources({ name: 'a', resources: { requests: { cpu: '250m' }, limits: { cpu: '500m', memory: '64Mi' } } }), {
    cpuShares: 256,
    cpuPeriod: 100_000,
    cpuQuota: 50_000,
    memoryLimitInBytes: 64 * 1024 * 1024,
  });
  // The request defaults to the limit; no resources at all → the minimum shares.
  assert.equal(toLinuxResources({ name: 'a', resources: { limits: { cpu: '1' } } }).cpuShares, 1024);
  assert.deepEqual(toLinuxResources({ name: 'a' }), { cpuShares: 2 });
});

test("security: container settings over the pod's", () => {
  const pod: Pod = { spec: { securityContext: { runAsUser: 1000 }, containers: [] } };
  assert.deepEqual(toContainerSecurity(pod, { name: 'a' }), { runAsUser: 1000 });
  assert.deepEqual(toContainerSecurity(pod, { name: 'a', securityContext: { runAsUser: 0, readOnlyRootFilesystem: true, privileged: true } }), {
    runAsUser: 0,
    readOnlyRootFilesystem: true,
    privileged: true,
    seccomp: { type: 'Unconfined' },
  });
});

test('security: groups, capabilities, no_new_privs, seccomp and procMount from pod and container', () => {
  const pod: Pod = {
    spec: {
      securityContext: { runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 2000], seccompProfile: { type: 'RuntimeDefault' } },
      containers: [],
    },
  };
  assert.deepEqual(
    toContainerSecurity(pod, {
      name: 'a',
      securityContext: { runAsGroup: 5, capabilities: { add: ['cap_net_admin'], drop: ['ALL'] }, allowPrivilegeEscalation: false, procMount: 'Unmasked' },
    }),
    {
      runAsGroup: 5,
      supplementalGroups: [2000, 4000],
      capabilitiesAdd: ['NET_ADMIN'],
      capabilitiesDrop: ['ALL'],
      noNewPrivileges: true,
      seccomp: { type: 'RuntimeDefault' },
      unmaskedProc: true,
    },
  );
  // Privileged or CAP_SYS_ADMIN imply escalation; privileged runs unconfined and sees /proc unmasked anyway.
  const priv = toContainerSecurity(pod, { name: 'a', securityContext: { privileged: true, allowPrivilegeEscalation: false, procMount: 'Unmasked' } });
  assert.equal(priv.noNewPrivileges, undefined);
  assert.deepEqual(priv.seccomp, { type: 'Unconfined' });
  assert.equal(priv.unmaskedProc, undefined);
  assert.equal(
    toContainerSecurity(pod, { name: 'a', securityContext: { capabilities: { add: ['SYS_ADMIN'] }, allowPrivilegeEscalation: false } }).noNewPrivileges,
    undefined,
  );
  // The container's profile wins over the pod's; unset everywhere: the runtime's default.
  assert.deepEqual(toContainerSecurity(pod, { name: 'a', securityContext: { seccompProfile: { type: 'Unconfined' } } }).seccomp, { type: 'Unconfined' });
  assert.equal(toContainerSecurity({ spec: { containers: [] } }, { name: 'a' }).seccomp, undefined);
  const local: Pod = { spec: { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'prof/audit.json' } }, containers: [] } };
  assert.equal(getLocalhostSeccompPath(local, { name: 'a' }, '/var/lib/k/seccomp'), '/var/lib/k/seccomp/prof/audit.json');
  assert.equal(getLocalhostSeccompPath(local, { name: 'a', securityContext: { privileged: true } }, '/r'), undefined);
  assert.equal(getLocalhostSeccompPath(pod, { name: 'a' }, '/r'), undefined);
});

test("runAsNonRoot: judged from runAsUser, else the image user, in the kubelet's words", () => {
  const pod = (ctx: NonNullable<NonNullable<Pod['spec']>['securityContext']>): Pod => ({
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { securityContext: ctx, containers: [] },
  });
  const c = { name: 'c' };
  assert.equal(verifyRunAsNonRoot(pod({}), c, ''), undefined, 'not asked: anything runs');
  assert.equal(verifyRunAsNonRoot(pod({ runAsNonRoot: true }), c, ''), 'container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: c)');
  for (const root of ['0', 'root', '0:0']) assert.match(verifyRunAsNonRoot(pod({ runAsNonRoot: true }), c, root)!, /image will run as root/);
  assert.equal(
    verifyRunAsNonRoot(pod({ runAsNonRoot: true }), c, 'nobody'),
    'container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: "p_ns(u1)", container: c)',
  );
  assert.equal(verifyRunAsNonRoot(pod({ runAsNonRoot: true }), c, '1000:1000'), undefined);
  assert.equal(verifyRunAsNonRoot(pod({ runAsNonRoot: true, runAsUser: 1000 }), c, ''), undefined, 'runAsUser overrides the image');
  assert.equal(
    verifyRunAsNonRoot(pod({ runAsNonRoot: true }), { name: 'c', securityContext: { runAsUser: 0 } }, '1000'),
    'container\'s runAsUser breaks non-root policy (pod: "p_ns(u1)", container: c)',
  );
  assert.equal(
    verifyRunAsNonRoot(pod({ runAsNonRoot: true }), { name: 'c', securityContext: { runAsNonRoot: false } }, ''),
    undefined,
    "the container's false wins",
  );
});

test('sysctls: the safe set passes, others and host-namespace ones are SysctlForbidden', () => {
  const pod = (sysctls: { name: string; value: string }[], hostNetwork = false): Pod => ({
    spec: { hostNetwork, securityContext: { sysctls }, containers: [] },
  });
  assert.equal(
    checkPodSysctls(
      pod([
        { name: 'net.ipv4.ip_local_port_range', value: '1024 65000' },
        { name: 'kernel.shm_rmid_forced', value: '1' },
      ]),
    ),
    undefined,
  );
  assert.deepEqual(checkPodSysctls(pod([{ name: 'net.core.somaxconn', value: '1024' }])), {
    reason: 'SysctlForbidden',
    message: 'forbidden sysctl: "net.core.somaxconn" not allowlisted',
  });
  assert.deepEqual(checkPodSysctls(pod([{ name: 'net.ipv4.tcp_syncookies', value: '1' }], true)), {
    reason: 'SysctlForbidden',
    message: 'forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host net enabled',
  });
  assert.equal(normalizeSysctlName('net/ipv4/conf/eno2.100/rp_filter'), 'net.ipv4.conf.eno2/100.rp_filter');
  assert.deepEqual(getSandboxSysctls(pod([{ name: 'net/ipv4/tcp_syncookies', value: '1' }])), { 'net.ipv4.tcp_syncookies': '1' });
  assert.equal(getSandboxSysctls(pod([])), undefined);
});

test('DNS: ClusterFirst, hostNetwork fallback, ClusterFirstWithHostNet, None with dnsConfig', () => {
  const settings = { clusterDns: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: 'nameserver 1.1.1.1\nsearch corp.example\n' };
  const pod = (spec: Partial<NonNullable<Pod['spec']>>): Pod => ({ metadata: { namespace: 'shop' }, spec: { containers: [], ...spec } });
  assert.deepEqual(getPodDns(pod({}), settings), {
    servers: ['10.96.0.10'],
    searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'],
    options: ['ndots:5'],
  });
  assert.equal(getPodDns(pod({ hostNetwork: true }), settings), undefined, "Default: the runtime keeps the node's file");
  assert.deepEqual(getPodDns(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), settings)?.servers, ['10.96.0.10']);
  assert.deepEqual(
    getPodDns(
      pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }),
      settings,
    ),
    { servers: ['9.9.9.9'], searches: ['a.b'], options: ['ndots:2', 'edns0'] },
  );
  assert.deepEqual(getPodDns(pod({ dnsConfig: { options: [{ name: 'ndots', value: '1' }] } }), settings)?.options, ['ndots:1']);
});
