import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@skiff/log';
import { parseKubeletFlags, FlagError } from '../config.ts';
import type { ContainerStatus } from '../container-runtime.ts';
import { selectDeadContainers } from './garbage-collector.ts';
import { PodWorkers } from './pod-workers.ts';

const logger = createLogger('agent-test', 'silent');

test('flags: docker mode needs --node-name; hollow mode keeps working; values parse', () => {
  assert.throws(() => parseKubeletFlags(['--kubeconfig=k']), FlagError);
  assert.throws(() => parseKubeletFlags(['--kubeconfig=k', '--node-name=a', '--hollow-nodes=2']), /mutually exclusive/);
  assert.equal(parseKubeletFlags(['--kubeconfig=k', '--hollow-nodes=3']).hollowNodes, 3);
  const c = parseKubeletFlags([
    '--kubeconfig=k',
    '--node-name=n1',
    '--pod-cidr=10.1.2.0/24',
    '--cluster-dns=10.0.0.10,10.0.0.11',
    '--system-reserved=cpu=200m,memory=1Gi',
    '--allow-privileged',
    '--healthz-port=0',
    '--max-dead-containers-per-pod=2',
  ]);
  assert.equal(c.nodeName, 'n1');
  assert.equal(c.podCidr, '10.1.2.0/24');
  assert.deepEqual(c.clusterDns, ['10.0.0.10', '10.0.0.11']);
  assert.deepEqual(c.systemReserved, { cpu: '200m', memory: '1Gi' });
  assert.equal(c.allowPrivileged, true);
  assert.equal(c.healthzPort, 0);
  assert.equal(c.maxDeadContainersPerPod, 2);
  assert.equal(c.port, 10250);
  assert.throws(() => parseKubeletFlags(['--kubeconfig=k', '--node-name=n1', '--pod-cidr=nope']), /CIDR/);
});

test('pod workers: one sync at a time per pod; an update during a sync runs exactly once more', async () => {
  let running = 0;
  let maxRunning = 0;
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const workers = new PodWorkers(async () => {
    calls++;
    running++;
    maxRunning = Math.max(maxRunning, running);
    if (calls === 1) await gate;
    running--;
  }, logger);
  workers.update('a');
  workers.update('a');
  workers.update('a');
  release();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(maxRunning, 1);
  assert.equal(calls, 2, 'three updates during one sync collapse into one more run');
  await workers.stop();
});

test('pod workers: a finished pod forgets its worker; requeueAfter syncs again', async () => {
  let calls = 0;
  const workers = new PodWorkers(async (uid) => {
    calls++;
    return uid === 'gone' ? { done: true } : calls < 3 ? { requeueAfterMs: 10 } : {};
  }, logger);
  workers.update('gone');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(workers.uids, []);
  calls = 0;
  workers.update('live');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(calls, 3);
  await workers.stop();
});

function dead(id: string, uid: string, name: string, createdAt: number, state: ContainerStatus['state'] = 'CONTAINER_EXITED'): ContainerStatus {
  return {
    id,
    podSandboxId: 's',
    name,
    attempt: createdAt,
    image: 'i',
    imageRef: 'i',
    state,
    createdAt,
    labels: { 'io.kubernetes.pod.uid': uid },
    startedAt: createdAt,
    finishedAt: createdAt,
    exitCode: 1,
    reason: 'Error',
    message: '',
  };
}

test('container GC keeps the newest two instances per container and at most maxPerPod more dead ones, oldest removed first', () => {
  const cs = [
    dead('r', 'p1', 'web', 10, 'CONTAINER_RUNNING'),
    dead('d9', 'p1', 'web', 9),
    dead('d8', 'p1', 'web', 8),
    dead('d7', 'p1', 'web', 7),
    dead('d6', 'p1', 'web', 6),
    dead('x2', 'p2', 'web', 2),
    dead('x1', 'p2', 'web', 1),
  ];
  // maxPerPod 1: p1 has one protected dead (d9) → no more; p2's two are protected.
  assert.deepEqual(selectDeadContainers(cs, { maxPerPod: 1, maxTotal: 100 }).sort(), ['d6', 'd7', 'd8']);
  // maxPerPod 3: d8, d7 may stay, then the node-wide cap removes the oldest evictable first.
  assert.deepEqual(selectDeadContainers(cs, { maxPerPod: 3, maxTotal: 100 }).sort(), ['d6']);
  assert.deepEqual(selectDeadContainers(cs, { maxPerPod: 3, maxTotal: 4 }).sort(), ['d6', 'd7']);
});
