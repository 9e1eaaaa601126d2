import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container as KubeContainer, Pod } from '@skiff/api';
import type { ContainerState, ContainerStatus, PodSandboxStatus } from '../container-runtime.ts';
import { Backoff } from './backoff.ts';
import { computePodActions, formatDuration, type ComputePodActionsOptions, type PodActions } from './compute-pod-actions.ts';
import { getContainerBackoffKey, type PodRuntimeStatus } from './container-status.ts';
import { hashContainerSpec, LABEL_CONTAINER_HASH } from './spec-hash.ts';

const web: KubeContainer = { name: 'web', image: 'nginx:1.27' };
const side: KubeContainer = { name: 'side', image: 'busybox:1.36' };
const init1: KubeContainer = { name: 'init1', image: 'busybox:1.36' };
const init2: KubeContainer = { name: 'init2', image: 'busybox:1.36' };

function makePod(spec: Partial<Pod['spec']> = {}, extra: Partial<Pod> = {}): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u1', ...extra.metadata },
    spec: { containers: [web], ...spec },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

function sandbox(id: string, state: PodSandboxStatus['state'] = 'SANDBOX_READY', attempt = 0, ip = '10.0.0.2'): PodSandboxStatus {
  return { id, metadata: { name: 'p', namespace: 'default', uid: 'u1', attempt }, state, createdAt: 1000 + attempt, labels: {}, ip };
}

interface C {
  name: string;
  state?: ContainerState;
  exit?: number;
  attempt?: number;
  sb?: string;
  finishedAt?: number;
  spec?: KubeContainer;
}
function container({ name, state = 'CONTAINER_RUNNING', exit = 0, attempt = 0, sb = 's1', finishedAt = 0, spec }: C): ContainerStatus {
  const s = spec ?? [web, side, init1, init2].find((c) => c.name === name)!;
  return {
    id: `${sb}-${name}-${attempt}`,
    podSandboxId: sb,
    name,
    attempt,
    image: s.image!,
    imageRef: 'ref',
    state,
    createdAt: 2000 + attempt,
    labels: { [LABEL_CONTAINER_HASH]: hashContainerSpec(s) },
    startedAt: 2000 + attempt,
    finishedAt: state === 'CONTAINER_EXITED' ? finishedAt || 3000 + attempt : 0,
    exitCode: exit,
    reason: '',
    message: '',
  };
}

function rt(sandboxes: PodSandboxStatus[], containers: ContainerStatus[]): PodRuntimeStatus {
  return { runtimeName: 'fake', sandboxes, containers: [...containers].sort((a, b) => b.createdAt - a.createdAt) };
}

/** The fields a case checks, in a form easy to compare. */
function summarize(a: PodActions) {
  return {
    killPod: a.killPod,
    createSandbox: a.createSandbox,
    attempt: a.sandboxAttempt,
    init: a.nextInitContainer?.name,
    initFailed: a.initFailed,
    start: a.containersToStart.map((c) => `${c.name}#${c.attempt}`),
    kill: a.containersToKill.map((c) => c.name),
    backOff: a.backOff.map((c) => c.name),
  };
}

const none = {
  killPod: false,
  createSandbox: false,
  attempt: 0,
  init: undefined as string | undefined,
  initFailed: false,
  start: [] as string[],
  kill: [] as string[],
  backOff: [] as string[],
};

// A back-off that has seen one restart of web at t=3000: 10 s from then.
function backoffAfterOneRestart(spec = web): Backoff {
  const b = new Backoff();
  b.next(getContainerBackoffKey(makePod(), spec.name, hashContainerSpec(spec)), 3000);
  return b;
}

const cases: { name: string; pod: Pod; status: PodRuntimeStatus; opts?: ComputePodActionsOptions; want: Partial<typeof none> }[] = [
  {
    name: 'fresh pod: create a sandbox and start every container',
    pod: makePod({ containers: [web, side] }),
    status: rt([], []),
    want: { createSandbox: true, start: ['web#0', 'side#0'] },
  },
  {
    name: 'fresh pod with init containers: only the first init container',
    pod: makePod({ initContainers: [init1, init2] }),
    status: rt([], []),
    want: { createSandbox: true, init: 'init1' },
  },
  {
    name: 'all running: nothing to do',
    pod: makePod({ containers: [web, side] }),
    status: rt([sandbox('s1')], [container({ name: 'web' }), container({ name: 'side' })]),
    want: { attempt: 0 },
  },
  {
    name: 'sandbox died: kill the rest, new sandbox with the next attempt',
    pod: makePod(),
    status: rt([sandbox('s1', 'SANDBOX_NOTREADY')], [container({ name: 'web' })]),
    want: { killPod: true, createSandbox: true, attempt: 1, start: ['web#1'] },
  },
  {
    name: 'sandbox without an IP is replaced',
    pod: makePod(),
    status: rt([sandbox('s1', 'SANDBOX_READY', 0, '')], []),
    want: { killPod: true, createSandbox: true, attempt: 1, start: ['web#0'] },
  },
  {
    name: 'host network sandbox needs no IP',
    pod: makePod({ hostNetwork: true }),
    status: rt([sandbox('s1', 'SANDBOX_READY', 0, '')], [container({ name: 'web' })]),
    want: {},
  },
  {
    name: 'restartPolicy Never and the sandbox died after running: no new sandbox',
    pod: makePod({ restartPolicy: 'Never' }),
    status: rt([sandbox('s1', 'SANDBOX_NOTREADY')], [container({ name: 'web', state: 'CONTAINER_EXITED', exit: 137 })]),
    want: { attempt: 0 },
  },
  {
    name: 'OnFailure, sandbox died, one container had succeeded: only the other restarts',
    pod: makePod({ restartPolicy: 'OnFailure', containers: [web, side] }),
    status: rt(
      [sandbox('s1', 'SANDBOX_NOTREADY')],
      [container({ name: 'web', state: 'CONTAINER_EXITED' }), container({ name: 'side', state: 'CONTAINER_EXITED', exit: 1 })],
    ),
    want: { createSandbox: true, attempt: 1, start: ['side#1'] },
  },
  {
    name: 'init containers in order: init1 done, init2 next',
    pod: makePod({ initContainers: [init1, init2] }),
    status: rt([sandbox('s1')], [container({ name: 'init1', state: 'CONTAINER_EXITED' })]),
    want: { init: 'init2' },
  },
  {
    name: 'an init container running: wait for it',
    pod: makePod({ initContainers: [init1, init2] }),
    status: rt([sandbox('s1')], [container({ name: 'init1' })]),
    want: {},
  },
  {
    name: 'all init containers done: start the regular ones',
    pod: makePod({ initContainers: [init1] }),
    status: rt([sandbox('s1')], [container({ name: 'init1', state: 'CONTAINER_EXITED' })]),
    want: { start: ['web#0'] },
  },
  {
    name: 'failed init container under Never fails the pod',
    pod: makePod({ initContainers: [init1], restartPolicy: 'Never' }),
    status: rt([sandbox('s1')], [container({ name: 'init1', state: 'CONTAINER_EXITED', exit: 2 })]),
    want: { killPod: true, initFailed: true },
  },
  {
    name: 'failed init container under Always restarts it',
    pod: makePod({ initContainers: [init1] }),
    status: rt([sandbox('s1')], [container({ name: 'init1', state: 'CONTAINER_EXITED', exit: 2 })]),
    want: { init: 'init1' },
  },
  {
    name: 'Always restarts a container that exited 0',
    pod: makePod({ containers: [web, side] }),
    status: rt([sandbox('s1')], [container({ name: 'web', state: 'CONTAINER_EXITED' }), container({ name: 'side' })]),
    want: { start: ['web#1'] },
  },
  {
    name: 'OnFailure restarts on a non-zero exit',
    pod: makePod({ restartPolicy: 'OnFailure', containers: [web, side] }),
    status: rt([sandbox('s1')], [container({ name: 'web', state: 'CONTAINER_EXITED', exit: 1 }), container({ name: 'side' })]),
    want: { start: ['web#1'] },
  },
  {
    name: 'OnFailure keeps a container that exited 0; the other still runs',
    pod: makePod({ restartPolicy: 'OnFailure', containers: [web, side] }),
    status: rt([sandbox('s1')], [container({ name: 'web', state: 'CONTAINER_EXITED' }), container({ name: 'side' })]),
    want: {},
  },
  {
    name: 'OnFailure, every container succeeded: kill the sandbox',
    pod: makePod({ restartPolicy: 'OnFailure' }),
    status: rt([sandbox('s1')], [container({ name: 'web', state: 'CONTAINER_EXITED' })]),
    want: { killPod: true },
  },
  {
    name: 'Never does not restart a failed container, and the pod is torn down',
    pod: makePod({ restartPolicy: 'Never' }),
    status: rt([sandbox('s1')], [container({ name: 'web', state: 'CONTAINER_EXITED', exit: 1 })]),
    want: { killPod: true },
  },
  {
    name: 'a container created but never started is started again',
    pod: makePod(),
    status: rt([sandbox('s1')], [container({ name: 'web', state: 'CONTAINER_CREATED' })]),
    want: { start: ['web#1'] },
  },
  {
    name: 'crash within the back-off: wait, and keep the pod',
    pod: makePod(),
    status: rt([sandbox('s1')], [container({ name: 'web', state: 'CONTAINER_EXITED', exit: 1, attempt: 1, finishedAt: 5000 })]),
    opts: { now: 9000, backoff: backoffAfterOneRestart() },
    want: { backOff: ['web'] },
  },
  {
    name: 'back-off expired: restart',
    pod: makePod(),
    status: rt([sandbox('s1')], [container({ name: 'web', state: 'CONTAINER_EXITED', exit: 1, attempt: 1, finishedAt: 5000 })]),
    opts: { now: 15_001, backoff: backoffAfterOneRestart() },
    want: { start: ['web#2'] },
  },
  {
    name: 'a crash after more than 10 minutes of running restarts at once',
    pod: makePod(),
    status: rt([sandbox('s1')], [container({ name: 'web', state: 'CONTAINER_EXITED', exit: 1, attempt: 1, finishedAt: 3000 + 11 * 60_000 })]),
    opts: { now: 3000 + 11 * 60_000 + 1000, backoff: backoffAfterOneRestart() },
    want: { start: ['web#2'] },
  },
  {
    name: 'spec hash changed: kill and restart at once',
    pod: makePod({ containers: [{ ...web, image: 'nginx:1.28' }] }),
    status: rt([sandbox('s1')], [container({ name: 'web' })]),
    want: { kill: ['web'], start: ['web#1'] },
  },
  {
    name: 'liveness failed under Always: kill and restart',
    pod: makePod(),
    status: rt([sandbox('s1')], [container({ name: 'web' })]),
    opts: { livenessFailed: new Set(['web']) },
    want: { kill: ['web'], start: ['web#1'] },
  },
  {
    name: 'liveness failed under Never: kill only, then the pod goes',
    pod: makePod({ restartPolicy: 'Never' }),
    status: rt([sandbox('s1')], [container({ name: 'web' })]),
    opts: { livenessFailed: new Set(['web']) },
    want: { kill: ['web'], killPod: true },
  },
  {
    name: 'deleting pod: kill everything',
    pod: makePod({}, { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }),
    status: rt([sandbox('s1')], [container({ name: 'web' })]),
    want: { killPod: true },
  },
  {
    name: 'deleting pod already stopped: nothing left to kill',
    pod: makePod({}, { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }),
    status: rt([sandbox('s1', 'SANDBOX_NOTREADY')], [container({ name: 'web', state: 'CONTAINER_EXITED' })]),
    want: {},
  },
  { name: 'succeeded pod: never restarted', pod: makePod({}, { status: { phase: 'Succeeded' } }), status: rt([], []), want: {} },
];

for (const c of cases) {
  test(`computePodActions: ${c.name}`, () => {
    const got = summarize(computePodActions(c.pod, c.status, { now: 100_000, ...c.opts }));
    const want = { ...none, ...c.want };
    assert.deepEqual(got, want);
  });
}

test('computePodActions: back-off message names the delay and the pod', () => {
  const status = rt([sandbox('s1')], [container({ name: 'web', state: 'CONTAINER_EXITED', exit: 1, attempt: 1, finishedAt: 5000 })]);
  const a = computePodActions(makePod(), status, { now: 9000, backoff: backoffAfterOneRestart() });
  assert.equal(a.backOff[0]!.message, 'back-off 10s restarting failed container=web pod=p_default(u1)');
  assert.equal(a.backOff[0]!.retryAt, 15_000);
});

test('formatDuration speaks Go', () => {
  assert.deepEqual([10_000, 160_000, 300_000, 3_723_000].map(formatDuration), ['10s', '2m40s', '5m0s', '1h2m3s']);
});
