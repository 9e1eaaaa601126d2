import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container as KubeContainer, Pod, PodStatus } from '@skiff/api';
import type { ContainerState, ContainerStatus, PodSandboxStatus } from '../container-runtime.ts';
import type { PodRuntimeStatus } from './container-status.ts';
import { buildPodStatus, type WaitingReason } from './pod-status.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function makePod(spec: Partial<Pod['spec']> = {}, status?: PodStatus): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], ...spec },
    ...(status ? { status } : {}),
  };
}
const sandbox: PodSandboxStatus = {
  id: 's1',
  metadata: { name: 'p', namespace: 'default', uid: 'u1', attempt: 0 },
  state: 'SANDBOX_READY',
  createdAt: T0,
  labels: {},
  ip: '10.0.0.2',
};

function c(name: string, state: ContainerState, opts: { exit?: number; attempt?: number; reason?: string } = {}): ContainerStatus {
  const attempt = opts.attempt ?? 0;
  return {
    id: `${name}-${attempt}`,
    podSandboxId: 's1',
    name,
    attempt,
    image: 'img',
    imageRef: 'sha256:abc',
    state,
    createdAt: T0 + 1000 * (attempt + 1),
    labels: {},
    startedAt: T0 + 1000 * (attempt + 1),
    finishedAt: state === 'CONTAINER_EXITED' ? T0 + 1000 * (attempt + 1) + 500 : 0,
    exitCode: opts.exit ?? 0,
    reason: opts.reason ?? '',
    message: '',
  };
}
function rt(containers: ContainerStatus[], sandboxes = [sandbox]): PodRuntimeStatus {
  return { runtimeName: 'docker', sandboxes, containers: [...containers].sort((a, b) => b.createdAt - a.createdAt) };
}
const build = (pod: Pod, status: PodRuntimeStatus, waiting: [string, WaitingReason][] = [], readiness?: Map<string, boolean>) =>
  buildPodStatus(pod, status, { ...(readiness ? { readiness } : {}) }, { now: T0 + 60_000, hostIP: '192.168.1.5', waiting: new Map(waiting) });
const cond = (s: PodStatus, type: string) => s.conditions?.find((x) => x.type === type);
const crashLoop: [string, WaitingReason] = ['web', { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=web pod=p_default(u1)' }];

const phaseCases: { name: string; spec?: Partial<Pod['spec']>; containers: ContainerStatus[]; waiting?: [string, WaitingReason][]; phase: string }[] = [
  { name: 'nothing yet → Pending', containers: [], phase: 'Pending' },
  { name: 'running → Running', containers: [c('web', 'CONTAINER_RUNNING')], phase: 'Running' },
  { name: 'init container running → Pending', spec: { initContainers: [{ name: 'init' }] }, containers: [c('init', 'CONTAINER_RUNNING')], phase: 'Pending' },
  {
    name: 'init failed under Never → Failed',
    spec: { initContainers: [{ name: 'init' }], restartPolicy: 'Never' },
    containers: [c('init', 'CONTAINER_EXITED', { exit: 1 })],
    phase: 'Failed',
  },
  {
    name: 'init failed under Always → Pending',
    spec: { initContainers: [{ name: 'init' }] },
    containers: [c('init', 'CONTAINER_EXITED', { exit: 1 })],
    phase: 'Pending',
  },
  { name: 'exited 0 under Never → Succeeded', spec: { restartPolicy: 'Never' }, containers: [c('web', 'CONTAINER_EXITED')], phase: 'Succeeded' },
  { name: 'exited 1 under Never → Failed', spec: { restartPolicy: 'Never' }, containers: [c('web', 'CONTAINER_EXITED', { exit: 1 })], phase: 'Failed' },
  {
    name: 'exited 1 under OnFailure in back-off → Running',
    spec: { restartPolicy: 'OnFailure' },
    containers: [c('web', 'CONTAINER_EXITED', { exit: 1 })],
    waiting: [crashLoop],
    phase: 'Running',
  },
  { name: 'exited 0 under OnFailure → Succeeded', spec: { restartPolicy: 'OnFailure' }, containers: [c('web', 'CONTAINER_EXITED')], phase: 'Succeeded' },
  { name: 'crash loop under Always → Running', containers: [c('web', 'CONTAINER_EXITED', { exit: 1 })], waiting: [crashLoop], phase: 'Running' },
  {
    name: 'image pull back-off before any run → Pending',
    containers: [],
    waiting: [['web', { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nginx:1.27"' }]],
    phase: 'Pending',
  },
];
for (const k of phaseCases) {
  test(`buildPodStatus phase: ${k.name}`, () => {
    assert.equal(build(makePod(k.spec), rt(k.containers), k.waiting).phase, k.phase);
  });
}

test('a terminal phase never goes back', () => {
  assert.equal(build(makePod({}, { phase: 'Failed' }), rt([c('web', 'CONTAINER_RUNNING')])).phase, 'Failed');
});

test('running pod: conditions, IPs, container status fields', () => {
  const s = build(
    makePod({}, { qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: iso(T0 - 5000) }] }),
    rt([c('web', 'CONTAINER_RUNNING', { attempt: 2 }), c('web', 'CONTAINER_EXITED', { attempt: 1, exit: 137, reason: 'OOMKilled' })]),
  );
  assert.equal(s.podIP, '10.0.0.2');
  assert.deepEqual(s.podIPs, [{ ip: '10.0.0.2' }]);
  assert.equal(s.hostIP, '192.168.1.5');
  assert.equal(s.qosClass, 'BestEffort');
  assert.equal(s.startTime, iso(T0 + 60_000));
  assert.deepEqual(
    s.conditions!.map((x) => `${x.type}=${x.status}`),
    ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True'],
  );
  assert.equal(cond(s, 'PodScheduled')!.lastTransitionTime, iso(T0 - 5000), "the scheduler's time is kept");
  assert.deepEqual(s.containerStatuses![0], {
    name: 'web',
    image: 'nginx:1.27',
    imageID: 'sha256:abc',
    ready: true,
    started: true,
    restartCount: 2,
    containerID: 'docker://web-2',
    state: { running: { startedAt: iso(T0 + 3000) } },
    lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: iso(T0 + 2000), finishedAt: iso(T0 + 2500), containerID: 'docker://web-1' } },
  });
});

test('crash loop: waiting CrashLoopBackOff with the death as lastState; not ready', () => {
  const s = build(makePod(), rt([c('web', 'CONTAINER_EXITED', { exit: 1, attempt: 3 })]), [crashLoop]);
  const web = s.containerStatuses![0]!;
  assert.deepEqual(web.state, { waiting: { reason: 'CrashLoopBackOff', message: crashLoop[1].message } });
  assert.equal(web.lastState?.terminated?.reason, 'Error');
  assert.equal(web.lastState?.terminated?.exitCode, 1);
  assert.equal(web.restartCount, 3);
  assert.equal(web.ready, false);
  assert.deepEqual(cond(s, 'Ready'), {
    type: 'Ready',
    status: 'False',
    lastTransitionTime: iso(T0 + 60_000),
    reason: 'ContainersNotReady',
    message: 'containers with unready status: [web]',
  });
});

test('init containers: PodInitializing, Initialized false with the incomplete ones', () => {
  const pod = makePod({
    initContainers: [
      { name: 'a', image: 'busybox' },
      { name: 'b', image: 'busybox' },
    ],
  });
  const s = build(pod, rt([c('a', 'CONTAINER_EXITED')]));
  assert.equal(s.initContainerStatuses![0]!.state?.terminated?.reason, 'Completed');
  assert.equal(s.initContainerStatuses![0]!.ready, true);
  assert.equal(s.initContainerStatuses![1]!.state?.waiting?.reason, 'PodInitializing');
  assert.equal(s.containerStatuses![0]!.state?.waiting?.reason, 'PodInitializing');
  assert.equal(cond(s, 'Initialized')!.message, 'containers with incomplete status: [b]');
  assert.equal(cond(s, 'Initialized')!.reason, 'ContainersNotInitialized');
});

test('readiness probe drives Ready; unchanged conditions keep their transition time', () => {
  const pod = makePod({ containers: [{ name: 'web', image: 'nginx:1.27', readinessProbe: { tcpSocket: { port: 80 } } }] });
  const first = build(pod, rt([c('web', 'CONTAINER_RUNNING')]));
  assert.equal(cond(first, 'Ready')!.status, 'False', 'no probe result yet');
  const later = buildPodStatus(
    { ...pod, status: first },
    rt([c('web', 'CONTAINER_RUNNING')]),
    { readiness: new Map([['web', true]]) },
    { now: T0 + 120_000, hostIP: '192.168.1.5' },
  );
  assert.equal(cond(later, 'Ready')!.status, 'True');
  assert.equal(cond(later, 'Ready')!.lastTransitionTime, iso(T0 + 120_000));
  assert.equal(cond(later, 'Initialized')!.lastTransitionTime, iso(T0 + 60_000), 'unchanged: time kept');
  assert.equal(later.startTime, first.startTime);
});

test("a sync inside the informer's lag keeps the transition time this kubelet already wrote", () => {
  const pod = makePod({ containers: [{ name: 'web', image: 'nginx:1.27', readinessProbe: { tcpSocket: { port: 80 } } }] });
  const notReady = build(pod, rt([c('web', 'CONTAINER_RUNNING')]));
  const ready = { readiness: new Map([['web', true]]) };
  const written = buildPodStatus({ ...pod, status: notReady }, rt([c('web', 'CONTAINER_RUNNING')]), ready, { now: T0 + 120_000, hostIP: '192.168.1.5' });
  // The pod object still shows Ready False: without what we wrote, Ready would be restamped at the later sync's time.
  const again = buildPodStatus({ ...pod, status: notReady }, rt([c('web', 'CONTAINER_RUNNING')]), ready, {
    now: T0 + 121_000,
    hostIP: '192.168.1.5',
    lastWritten: written,
  });
  assert.equal(cond(again, 'Ready')!.lastTransitionTime, iso(T0 + 120_000));
});

test('succeeded pod: ContainersReady false with PodCompleted; ContainerCreating before the first start', () => {
  const done = build(makePod({ restartPolicy: 'Never' }), rt([c('web', 'CONTAINER_EXITED')]));
  assert.equal(cond(done, 'ContainersReady')!.reason, 'PodCompleted');
  assert.equal(done.containerStatuses![0]!.state?.terminated?.reason, 'Completed');
  const fresh = build(makePod(), rt([]));
  assert.deepEqual(fresh.containerStatuses![0]!.state, { waiting: { reason: 'ContainerCreating' } });
  const pulling = build(makePod(), rt([]), [['web', { reason: 'ErrImagePull', message: 'no such image' }]]);
  assert.deepEqual(pulling.containerStatuses![0]!.state, { waiting: { reason: 'ErrImagePull', message: 'no such image' } });
});
