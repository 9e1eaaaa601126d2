import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '@skiff/api';
import type { ContainerConfig, ContainerStatus, PodSandboxConfig } from '../container-runtime.ts';
import { FakeRuntime } from '../fake-runtime.ts';
import { Backoff } from './backoff.ts';
import type { PodRuntimeStatus } from './container-status.ts';
import { buildPodStatus, type WaitingReason } from './pod-status.ts';
import { removePodResources, syncPod, type SyncPodDeps } from './sync-pod.ts';

function makePod(spec: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name: 'web-1', namespace: 'default', uid: 'uid-1', labels: { app: 'web' } },
    spec: {
      nodeName: 'node-a',
      containers: [{ name: 'web', image: 'nginx:1.27', env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }],
      ...spec,
    },
  };
}

async function setup(runtime = new FakeRuntime({ now: () => clock.now })) {
  await runtime.updateRuntimeConfig({ podCidr: '10.244.1.0/24' });
  const deps: SyncPodDeps = { runtime, backoff: new Backoff(), imageBackoff: new Backoff(), now: () => clock.now, hostIP: '192.168.1.5' };
  return { runtime, deps };
}
const clock = { now: 1_000_000 };

/**
 * The fake through its public API: records the configs it is given, and lets a test say that
 * a stopped container exited cleanly (the fake's SIGTERM exit is 143).
 */
class TestRuntime extends FakeRuntime {
  readonly configs: ContainerConfig[] = [];
  readonly cleanExits = new Set<string>();
  failing = new Set<string>();
  override async pullImage(image: string): Promise<string> {
    if (this.failing.has(image)) throw new Error(`manifest for ${image} not found`);
    return super.pullImage(image);
  }
  override async createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    this.configs.push(config);
    return super.createContainer(sandboxId, config, sandboxConfig);
  }
  override async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const s = await super.containerStatus(id);
    return s && s.state === 'CONTAINER_EXITED' && this.cleanExits.has(id) ? { ...s, exitCode: 0, reason: 'Completed' } : s;
  }
}

test('syncPod runs init containers first, then the app with its env, to Running', async () => {
  clock.now = 1_000_000;
  const runtime = new TestRuntime({ now: () => clock.now });
  const { deps } = await setup(runtime);
  const pod = makePod({
    initContainers: [{ name: 'setup', image: 'busybox:1.36', command: ['sh', '-c', 'echo $(GREETING)'], env: [{ name: 'GREETING', value: 'hi' }] }],
  });
  const status = (r: { runtimeStatus: PodRuntimeStatus; waiting: Map<string, WaitingReason> }) =>
    buildPodStatus(pod, r.runtimeStatus, {}, { now: clock.now, hostIP: '192.168.1.5', waiting: r.waiting });

  const first = await syncPod(pod, deps);
  assert.deepEqual(
    first.results.map((r) => `${r.action}:${r.ok}`),
    ['CreatePodSandbox:true', 'InitContainer:true'],
  );
  assert.deepEqual(
    first.events.map((e) => e.reason),
    ['Pulling', 'Pulled', 'Created', 'Started'],
  );
  assert.equal(first.events[0]!.fieldPath, 'spec.initContainers{setup}');
  assert.deepEqual(runtime.configs[0]!.command, ['sh', '-c', 'echo hi'], '$(VAR) expands in the command');
  assert.equal(status(first).phase, 'Pending');
  assert.equal(status(first).containerStatuses![0]!.state?.waiting?.reason, 'PodInitializing');

  assert.deepEqual((await syncPod(pod, deps)).results, [], 'the init container is still running: wait');
  const setupC = first.runtimeStatus.containers.find((c) => c.name === 'setup')!;
  await runtime.stopContainer(setupC.id, 0);
  runtime.cleanExits.add(setupC.id);

  const second = await syncPod(pod, deps);
  assert.deepEqual(
    second.results.map((r) => `${r.action}:${r.target}:${r.ok}`),
    ['StartContainer:web:true'],
  );
  assert.deepEqual(runtime.configs[1]!.env, [{ name: 'IP', value: '10.244.1.2' }], 'status.podIP comes from the sandbox');
  assert.equal(runtime.configs[1]!.labels['io.kubernetes.container.hash']?.length, 16);
  const s = status(second);
  assert.equal(s.phase, 'Running');
  assert.equal(s.conditions!.find((c) => c.type === 'Initialized')!.status, 'True');
  assert.equal(s.initContainerStatuses![0]!.state?.terminated?.reason, 'Completed');
  assert.deepEqual((await syncPod(pod, deps)).results, [], 'Running and nothing to do');
  await removePodResources(runtime, 'uid-1');
});

test('syncPod: two containers to Running; a changed spec restarts only that container', async () => {
  clock.now = 1_000_000;
  const { runtime, deps } = await setup();
  const pod = makePod({
    containers: [
      { name: 'web', image: 'nginx:1.27' },
      { name: 'side', image: 'busybox:1.36' },
    ],
  });
  const first = await syncPod(pod, deps);
  assert.deepEqual(
    first.results.map((r) => `${r.action}:${r.target}:${r.ok}`),
    ['CreatePodSandbox:web-1:true', 'StartContainer:web:true', 'StartContainer:side:true'],
  );
  assert.deepEqual(
    first.events.filter((e) => e.fieldPath === 'spec.containers{web}').map((e) => e.reason),
    ['Pulling', 'Pulled', 'Created', 'Started'],
  );
  const status = buildPodStatus(pod, first.runtimeStatus, {}, { now: clock.now, hostIP: '192.168.1.5', waiting: first.waiting });
  assert.equal(status.phase, 'Running');
  assert.equal(status.podIP, '10.244.1.2');
  assert.deepEqual(
    status.containerStatuses!.map((s) => [s.name, s.ready, s.restartCount]),
    [
      ['web', true, 0],
      ['side', true, 0],
    ],
  );

  const again = await syncPod(pod, deps);
  assert.deepEqual(again.results, [], 'a pod in its desired state needs no action');
  assert.deepEqual(again.events, []);

  // A changed spec restarts only that container.
  const changed = makePod({
    containers: [
      { name: 'web', image: 'nginx:1.28' },
      { name: 'side', image: 'busybox:1.36' },
    ],
  });
  const third = await syncPod(changed, deps);
  assert.deepEqual(
    third.results.map((r) => `${r.action}:${r.target}`),
    ['KillContainer:web', 'StartContainer:web'],
  );
  assert.match(third.events[0]!.message, /Container web definition changed/);
  const web = third.runtimeStatus.containers.filter((c) => c.name === 'web');
  assert.deepEqual(
    web.map((c) => [c.image, c.state, c.attempt]),
    [
      ['nginx:1.28', 'CONTAINER_RUNNING', 1],
      ['nginx:1.27', 'CONTAINER_EXITED', 0],
    ],
  );
  await removePodResources(runtime, 'uid-1');
});

test('syncPod: a crash loop waits 10 s, 20 s, 40 s … between restarts', async () => {
  clock.now = 1_000_000;
  const { runtime, deps } = await setup();
  const pod = makePod();
  await syncPod(pod, deps);
  const crash = async () => {
    const running = (await runtime.listContainers({ state: 'CONTAINER_RUNNING' })).find((c) => c.name === 'web')!;
    await runtime.stopContainer(running.id, 0); // exits 143: a crash
  };

  // The first crash restarts at once, as the kubelet does.
  clock.now += 1000;
  await crash();
  const r1 = await syncPod(pod, deps);
  assert.deepEqual(
    r1.results.map((r) => `${r.action}:${r.ok}`),
    ['StartContainer:true'],
  );

  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    clock.now += 1000;
    await crash();
    const waiting = await syncPod(pod, deps);
    assert.deepEqual(waiting.results, [], 'in back-off: nothing started');
    assert.equal(waiting.waiting.get('web')?.reason, 'CrashLoopBackOff');
    assert.equal(waiting.events.at(-1)?.reason, 'BackOff');
    const status = buildPodStatus(pod, waiting.runtimeStatus, {}, { now: clock.now, hostIP: '192.168.1.5', waiting: waiting.waiting });
    assert.equal(status.containerStatuses![0]!.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(status.containerStatuses![0]!.lastState?.terminated?.exitCode, 143);
    assert.equal(status.phase, 'Running');
    delays.push(waiting.requeueAfterMs!);

    clock.now += waiting.requeueAfterMs! - 1;
    assert.deepEqual((await syncPod(pod, deps)).results, [], 'one millisecond early: still waiting');
    clock.now += 1;
    const restarted = await syncPod(pod, deps);
    assert.deepEqual(
      restarted.results.map((r) => `${r.action}:${r.ok}`),
      ['StartContainer:true'],
    );
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000]);
  const web = (await runtime.listContainers()).filter((c) => c.name === 'web');
  assert.equal(Math.max(...web.map((c) => c.attempt)), 6, 'restartCount grows with each restart');
  await removePodResources(runtime, 'uid-1');
});

test('syncPod: deleting a pod kills every container and the sandbox', async () => {
  clock.now = 1_000_000;
  const { runtime, deps } = await setup();
  const pod = makePod({
    containers: [
      { name: 'web', image: 'nginx:1.27' },
      { name: 'side', image: 'busybox:1.36' },
    ],
    terminationGracePeriodSeconds: 5,
  });
  await syncPod(pod, deps);
  const deleting: Pod = { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 5 } };
  const r = await syncPod(deleting, deps);
  assert.deepEqual(r.results.map((x) => x.action).sort(), ['KillContainer', 'KillContainer', 'KillPod']);
  assert.deepEqual(r.events.map((e) => `${e.reason}:${e.message}`).sort(), ['Killing:Stopping container side', 'Killing:Stopping container web']);
  assert.equal(
    r.runtimeStatus.containers.every((c) => c.state === 'CONTAINER_EXITED'),
    true,
  );
  assert.equal(r.runtimeStatus.sandboxes[0]!.state, 'SANDBOX_NOTREADY');
  assert.deepEqual((await syncPod(deleting, deps)).results, [], 'a second pass finds nothing to kill');
  await removePodResources(runtime, 'uid-1');
  assert.deepEqual(await runtime.listContainers(), []);
  assert.deepEqual(await runtime.listPodSandboxes(), []);
});

test('syncPod: ErrImagePull, then ImagePullBackOff until the delay passes; siblings still start', async () => {
  clock.now = 1_000_000;
  const runtime = new TestRuntime({ now: () => clock.now });
  const { deps } = await setup(runtime);
  runtime.failing.add('nginx:9.9');
  const pod = makePod({
    containers: [
      { name: 'web', image: 'nginx:9.9' },
      { name: 'side', image: 'busybox:1.36' },
    ],
  });

  const first = await syncPod(pod, deps);
  assert.deepEqual(
    first.results.map((r) => `${r.target}:${r.ok}:${r.reason ?? ''}`),
    ['web-1:true:', 'web:false:ErrImagePull', 'side:true:'],
  );
  assert.deepEqual(first.waiting.get('web'), { reason: 'ErrImagePull', message: 'Failed to pull image "nginx:9.9": manifest for nginx:9.9 not found' });
  assert.ok(first.events.some((e) => e.type === 'Warning' && e.message === 'Error: ErrImagePull'));
  assert.equal(first.requeueAfterMs, 10_000);

  clock.now += 5000;
  const second = await syncPod(pod, deps);
  assert.equal(second.waiting.get('web')?.reason, 'ImagePullBackOff');
  assert.equal(
    second.events.some((e) => e.reason === 'Pulling'),
    false,
    'no pull while backing off',
  );
  const status = buildPodStatus(pod, second.runtimeStatus, {}, { now: clock.now, hostIP: '192.168.1.5', waiting: second.waiting });
  // As newer kubelets do, the back-off message carries the last pull error.
  assert.deepEqual(status.containerStatuses![0]!.state, {
    waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nginx:9.9": ErrImagePull: manifest for nginx:9.9 not found' },
  });
  assert.equal(status.phase, 'Pending');

  runtime.failing.clear();
  clock.now += 5000;
  const third = await syncPod(pod, deps);
  assert.deepEqual(
    third.results.map((r) => `${r.target}:${r.ok}`),
    ['web:true'],
  );
  await removePodResources(runtime, 'uid-1');
});

test('syncPod: an init container that cannot start ends the pass; Never + failed init fails the pod', async () => {
  clock.now = 1_000_000;
  const runtime = new TestRuntime({ now: () => clock.now });
  const { deps } = await setup(runtime);
  runtime.failing.add('broken:1');
  const pod = makePod({ restartPolicy: 'Never', initContainers: [{ name: 'setup', image: 'broken:1' }] });
  const first = await syncPod(pod, deps);
  assert.deepEqual(
    first.results.map((r) => `${r.action}:${r.ok}`),
    ['CreatePodSandbox:true', 'InitContainer:false'],
  );
  assert.equal(
    first.results.some((r) => r.action === 'StartContainer'),
    false,
  );

  runtime.failing.clear();
  clock.now += 10_000;
  const second = await syncPod(pod, deps);
  assert.deepEqual(
    second.results.map((r) => `${r.action}:${r.ok}`),
    ['InitContainer:true'],
  );
  const setupC = second.runtimeStatus.containers.find((c) => c.name === 'setup')!;
  await runtime.stopContainer(setupC.id, 0); // exits 143
  const third = await syncPod(pod, deps);
  assert.equal(third.actions.initFailed, true);
  assert.deepEqual(
    third.results.map((r) => r.action),
    ['KillPod'],
  );
  const status = buildPodStatus(pod, third.runtimeStatus, {}, { now: clock.now, hostIP: '192.168.1.5' });
  assert.equal(status.phase, 'Failed');
  await removePodResources(runtime, 'uid-1');
});

test('syncPod: runAsNonRoot against the image user, Localhost seccomp from the profile root, unsafe sysctls refused', async () => {
  clock.now = 1_000_000;
  const users = new Map([
    ['root:1', ''],
    ['app:1', '1000:1000'],
  ]);
  class UserRuntime extends TestRuntime {
    async imageUser(image: string): Promise<string | undefined> {
      return users.get(image);
    }
  }
  const runtime = new UserRuntime({ now: () => clock.now });
  const root = await mkdtemp(join(tmpdir(), 'seccomp-'));
  try {
    await writeFile(join(root, 'audit.json'), '{ "defaultAction": "SCMP_ACT_LOG" }\n');
    const { deps } = await setup(runtime);
    const pod = (name: string, spec: Partial<Pod['spec']>): Pod => ({
      metadata: { name, namespace: 'default', uid: `uid-${name}` },
      spec: { containers: [], ...spec },
    });
    const nonRoot = { securityContext: { runAsNonRoot: true } };
    const refused = await syncPod(pod('r', { ...nonRoot, containers: [{ name: 'c', image: 'root:1' }] }), { ...deps, seccompProfileRoot: root });
    assert.deepEqual(refused.waiting.get('c'), {
      reason: 'CreateContainerConfigError',
      message: 'container has runAsNonRoot and image will run as root (pod: "r_default(uid-r)", container: c)',
    });
    const allowed = await syncPod(
      pod('a', {
        ...nonRoot,
        containers: [{ name: 'c', image: 'app:1', securityContext: { runAsGroup: 5, seccompProfile: { type: 'Localhost', localhostProfile: 'audit.json' } } }],
      }),
      { ...deps, seccompProfileRoot: root },
    );
    assert.equal(allowed.waiting.size, 0, JSON.stringify([...allowed.waiting]));
    assert.deepEqual(runtime.configs.at(-1)!.securityContext, {
      runAsGroup: 5,
      runAsUsername: '1000',
      seccomp: { type: 'Localhost', json: '{"defaultAction":"SCMP_ACT_LOG"}' },
    });
    const missing = await syncPod(
      pod('m', { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'nope.json' } }, containers: [{ name: 'c', image: 'app:1' }] }),
      { ...deps, seccompProfileRoot: root },
    );
    assert.equal(missing.waiting.get('c')?.reason, 'CreateContainerConfigError');
    assert.match(missing.waiting.get('c')!.message, /failed to load seccomp profile ".*nope\.json": no such file/);
    const sysctl = await syncPod(
      pod('s', { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] }, containers: [{ name: 'c', image: 'app:1' }] }),
      deps,
    );
    assert.equal(
      sysctl.events.find((e) => e.reason === 'FailedCreatePodSandBox')?.message,
      'Failed to create pod sandbox: forbidden sysctl: "kernel.msgmax" not allowlisted',
    );
    assert.equal((await runtime.listPodSandboxes({ labels: { 'io.kubernetes.pod.uid': 'uid-s' } })).length, 0);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
