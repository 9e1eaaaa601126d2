import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import type { Container, PodSandbox } from './container-runtime.ts';
import { computePodActions } from './pod-actions.ts';

const pod = (extra: { deleting?: boolean; phase?: string } = {}): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u', ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] },
  status: { phase: extra.phase ?? 'Pending' },
});
const sandbox = (id: string, state: PodSandbox['state'], attempt = 0, createdAt = 1): PodSandbox => ({ id, state, createdAt, labels: {}, metadata: { name: 'p', namespace: 'default', uid: 'u', attempt } });
const container = (name: string, sb: string, state: Container['state']): Container => ({ id: `${sb}-${name}`, podSandboxId: sb, name, attempt: 0, image: 'x', imageRef: 'x', state, createdAt: 1, labels: {} });

test('computePodActions', () => {
  const cases: [string, Pod, PodSandbox[], Container[], Partial<ReturnType<typeof computePodActions>>][] = [
    ['new pod: sandbox and all containers', pod(), [], [], { killPod: false, createSandbox: true, attempt: 0, containersToStart: ['a', 'b'] }],
    ['running: nothing', pod({ phase: 'Running' }), [sandbox('s1', 'SANDBOX_READY')], [container('a', 's1', 'CONTAINER_RUNNING'), container('b', 's1', 'CONTAINER_RUNNING')], { killPod: false, createSandbox: false, containersToStart: [] }],
    ['one container created, not started', pod(), [sandbox('s1', 'SANDBOX_READY')], [container('a', 's1', 'CONTAINER_RUNNING'), container('b', 's1', 'CONTAINER_CREATED')], { createSandbox: false, containersToStart: ['b'] }],
    ['sandbox died: kill and recreate with the next attempt', pod(), [sandbox('s1', 'SANDBOX_NOTREADY', 2)], [], { killPod: true, createSandbox: true, attempt: 3, containersToStart: ['a', 'b'] }],
    ['deleting: kill', pod({ deleting: true }), [sandbox('s1', 'SANDBOX_READY')], [], { killPod: true, createSandbox: false, containersToStart: [] }],
    ['deleting, nothing left: nothing to kill', pod({ deleting: true }), [], [], { killPod: false, createSandbox: false }],
    ['finished pod: stop it, start nothing', pod({ phase: 'Succeeded' }), [sandbox('s1', 'SANDBOX_READY')], [], { killPod: true, createSandbox: false, containersToStart: [] }],
  ];
  for (const [why, p, sandboxes, containers, want] of cases) {
    const got = computePodActions(p, sandboxes, containers);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof typeof got], v, `${why}: ${k}`);
  }
});
