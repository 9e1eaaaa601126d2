import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerConfig, PodSandboxConfig } from '../container-runtime.ts';
import {
  getAnnotations,
  getExitReason,
  parseDockerTime,
  renderResolvConf,
  toContainerCreateOptions,
  toContainerState,
  toEntrypointAndCmd,
  toSandboxCreateOptions,
  toSecurityHostConfig,
  type RuntimeIdentity,
} from './docker-mapping.ts';

const identity: RuntimeIdentity = { nodeName: 'n1', networkName: 'skiff0', pauseImage: 'skiff/pause:3.9', extraLabels: {} };
const sandbox: PodSandboxConfig = {
  metadata: { name: 'web', namespace: 'default', uid: 'u1', attempt: 2 },
  hostname: 'web',
  labels: { app: 'web' },
  annotations: { note: 'x' },
  dns: { servers: ['10.96.0.10'], searches: ['svc.cluster.local'], options: ['ndots:5'] },
};
const container: ContainerConfig = {
  name: 'app',
  image: 'busybox',
  command: ['sh'],
  args: ['-c', 'true'],
  env: [{ name: 'A', value: '1=2' }],
  labels: {},
  attempt: 3,
  workingDir: '/w',
  mounts: [{ hostPath: '/h', containerPath: '/c', readOnly: true }],
  resources: { cpuPeriod: 100000, cpuQuota: 50000, cpuShares: 512, memoryLimitInBytes: 64 << 20 },
  securityContext: { runAsUser: 1000, readOnlyRootFilesystem: true },
};

test('toEntrypointAndCmd follows Kubernetes command/args over ENTRYPOINT/CMD', () => {
  const cases: [string[] | undefined, string[] | undefined, { entrypoint?: string[]; cmd?: string[] }][] = [
    [undefined, undefined, { entrypoint: undefined, cmd: undefined }],
    [['sleep'], undefined, { entrypoint: ['sleep'], cmd: undefined }],
    [undefined, ['10'], { entrypoint: undefined, cmd: ['10'] }],
    [['sleep'], ['10'], { entrypoint: ['sleep'], cmd: ['10'] }],
    [[], [], { entrypoint: undefined, cmd: undefined }],
  ];
  for (const [command, args, want] of cases) assert.deepEqual(toEntrypointAndCmd(command, args), want, `${command}/${args}`);
});

test('toSandboxCreateOptions: pause on the node network, shareable IPC, labels, DNS', () => {
  const o = toSandboxCreateOptions(sandbox, identity);
  assert.equal(o.name, 'k8s_POD_web_default_u1_2');
  assert.equal(o.Image, 'skiff/pause:3.9');
  assert.equal(o.Hostname, 'web');
  assert.equal(o.HostConfig?.NetworkMode, 'skiff0');
  assert.equal(o.HostConfig?.IpcMode, 'shareable');
  assert.deepEqual(o.HostConfig?.DnsOptions, ['ndots:5']);
  assert.equal(o.Labels?.['io.kubernetes.container.name'], 'POD');
  assert.equal(o.Labels?.['skiff.sandbox'], 'true');
  assert.equal(o.Labels?.['annotation.note'], 'x');
  assert.equal(toSandboxCreateOptions({ ...sandbox, hostNetwork: true }, identity).HostConfig?.NetworkMode, 'host');
});

test('toContainerCreateOptions: joins the sandbox, maps env, mounts, resources and security', () => {
  const o = toContainerCreateOptions({ sandboxId: 'sb1', config: container, sandbox, allowPrivileged: false }, identity);
  assert.equal(o.name, 'k8s_app_web_default_u1_3');
  assert.equal(o.HostConfig?.NetworkMode, 'container:sb1');
  assert.equal(o.HostConfig?.IpcMode, 'container:sb1');
  assert.deepEqual(o.Entrypoint, ['sh']);
  assert.deepEqual(o.Cmd, ['-c', 'true']);
  assert.deepEqual(o.Env, ['A=1=2']);
  assert.equal(o.WorkingDir, '/w');
  assert.deepEqual(o.HostConfig?.Binds, ['/h:/c:ro']);
  assert.equal(o.HostConfig?.CpuQuota, 50000);
  assert.equal(o.HostConfig?.CpuShares, 512);
  assert.equal(o.HostConfig?.Memory, 64 << 20);
  assert.equal(o.User, '1000');
  assert.equal(o.HostConfig?.ReadonlyRootfs, true);
  assert.equal(o.HostConfig?.Privileged, false);
  assert.equal(o.Labels?.['skiff.sandbox.id'], 'sb1');
  assert.equal(o.Labels?.['io.kubernetes.container.restartCount'], '3');
  const privileged = { ...container, securityContext: { privileged: true } };
  assert.throws(() => toContainerCreateOptions({ sandboxId: 'sb1', config: privileged, sandbox, allowPrivileged: false }, identity), /privileged/);
  assert.equal(toContainerCreateOptions({ sandboxId: 'sb1', config: privileged, sandbox, allowPrivileged: true }, identity).HostConfig?.Privileged, true);
});

test('stdin/tty: opened only when the spec asks, as dockershim; defaults untouched otherwise', () => {
  const create = (extra: Partial<ContainerConfig>) =>
    toContainerCreateOptions({ sandboxId: 's', config: { ...container, ...extra }, sandbox, allowPrivileged: false }, identity);
  const plain = create({});
  for (const key of ['OpenStdin', 'AttachStdin', 'StdinOnce', 'Tty'] as const) assert.equal(plain[key], undefined, key);
  const once = create({ stdin: true, stdinOnce: true });
  assert.deepEqual([once.OpenStdin, once.AttachStdin, once.StdinOnce, once.Tty], [true, true, true, undefined]);
  const tty = create({ stdin: true, tty: true });
  assert.deepEqual([tty.OpenStdin, tty.StdinOnce, tty.Tty], [true, false, true]);
});

test('security: NET_RAW dropped by default, capabilities, no-new-privileges, seccomp, groups, user:group', () => {
  assert.deepEqual(toSecurityHostConfig({}), { CapDrop: ['NET_RAW'] });
  assert.deepEqual(toSecurityHostConfig({ capabilitiesAdd: ['NET_RAW'] }), { CapAdd: ['NET_RAW'] });
  assert.deepEqual(toSecurityHostConfig({ capabilitiesDrop: ['ALL'], capabilitiesAdd: ['NET_BIND_SERVICE'], noNewPrivileges: true }), {
    CapAdd: ['NET_BIND_SERVICE'],
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
  });
  assert.deepEqual(toSecurityHostConfig({ privileged: true, capabilitiesDrop: ['ALL'], seccomp: { type: 'Unconfined' } }), {
    SecurityOpt: ['seccomp=unconfined'],
  });
  assert.deepEqual(toSecurityHostConfig({ seccomp: { type: 'RuntimeDefault' } }), { CapDrop: ['NET_RAW'] }, "Docker's default profile: no option");
  assert.deepEqual(toSecurityHostConfig({ seccomp: { type: 'Localhost', json: '{"defaultAction":"SCMP_ACT_ALLOW"}' } }).SecurityOpt, [
    'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}',
  ]);
  assert.deepEqual(toSecurityHostConfig({ supplementalGroups: [2000, 4000], unmaskedProc: true }), {
    CapDrop: ['NET_RAW'],
    GroupAdd: ['2000', '4000'],
    MaskedPaths: [],
    ReadonlyPaths: [],
  });
  const create = (securityContext: ContainerConfig['securityContext']) =>
    toContainerCreateOptions({ sandboxId: 's', config: { ...container, securityContext }, sandbox, allowPrivileged: false }, identity);
  assert.equal(create({ runAsUser: 1000, runAsGroup: 3000 }).User, '1000:3000');
  assert.equal(create({ runAsGroup: 3000 }).User, '0:3000');
  assert.equal(create({ runAsGroup: 3000, runAsUsername: 'app' }).User, 'app:3000');
  assert.equal(create({}).User, undefined);
  assert.deepEqual(toSandboxCreateOptions({ ...sandbox, sysctls: { 'net.ipv4.tcp_syncookies': '1' } }, identity).HostConfig?.Sysctls, {
    'net.ipv4.tcp_syncookies': '1',
  });
});

test('state, time, exit reason, annotations and resolv.conf helpers', () => {
  assert.equal(toContainerState('created'), 'CONTAINER_CREATED');
  assert.equal(toContainerState('running'), 'CONTAINER_RUNNING');
  assert.equal(toContainerState('exited'), 'CONTAINER_EXITED');
  assert.equal(toContainerState('dead'), 'CONTAINER_EXITED');
  assert.equal(toContainerState('weird'), 'CONTAINER_UNKNOWN');
  assert.equal(parseDockerTime('0001-01-01T00:00:00Z'), 0);
  assert.equal(parseDockerTime('2026-01-02T03:04:05.123456789Z'), Date.UTC(2026, 0, 2, 3, 4, 5, 123));
  assert.equal(getExitReason({ OOMKilled: true, ExitCode: 137 }), 'OOMKilled');
  assert.equal(getExitReason({ ExitCode: 0 }), 'Completed');
  assert.equal(getExitReason({ ExitCode: 1 }), 'Error');
  assert.deepEqual(getAnnotations({ 'annotation.a': '1', other: '2' }), { a: '1' });
  assert.equal(renderResolvConf(sandbox.dns!), 'search svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
});
