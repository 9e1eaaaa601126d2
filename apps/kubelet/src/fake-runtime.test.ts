import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, podLabels, type PodSandboxConfig } from './container-runtime.ts';
import { ANNOTATION_EXIT_AFTER, ANNOTATION_EXIT_CODE, exitPlanOf, FakeRuntime } from './fake-runtime.ts';
import { PodIpAllocator } from './pod-ip-allocator.ts';

function sandboxConfig(uid: string): PodSandboxConfig {
  const meta = { name: `p-${uid}`, namespace: 'default', uid, attempt: 0 };
  return { metadata: meta, hostname: meta.name, labels: podLabels(meta) };
}

test('pod IPs are sequential in the CIDR and never reused while in use', () => {
  const a = new PodIpAllocator('10.244.3.0/24');
  assert.deepEqual([a.allocate(), a.allocate(), a.allocate()], ['10.244.3.2', '10.244.3.3', '10.244.3.4']);
  a.release('10.244.3.3');
  assert.equal(a.allocate(), '10.244.3.5', 'the walk continues past a released one');
  const small = new PodIpAllocator('10.0.0.0/30');
  assert.equal(small.allocate(), '10.0.0.2');
  assert.equal(small.allocate(), undefined, 'a /30 has one pod address');
  small.release('10.0.0.2');
  assert.equal(small.allocate(), '10.0.0.2');
  assert.throws(() => new PodIpAllocator('10.0.0.0/33'), /invalid pod CIDR/);
});

test('a sandbox needs the pod CIDR, gets an IP, and gives it back when stopped', async () => {
  const rt = new FakeRuntime({ now: () => 1000 });
  await assert.rejects(rt.runPodSandbox(sandboxConfig('u1')), /no pod CIDR yet/);
  await rt.updateRuntimeConfig({ podCidr: '10.244.1.0/24' });
  const s1 = await rt.runPodSandbox(sandboxConfig('u1'));
  const s2 = await rt.runPodSandbox(sandboxConfig('u2'));
  assert.equal((await rt.podSandboxStatus(s1))!.ip, '10.244.1.2');
  assert.equal((await rt.podSandboxStatus(s2))!.ip, '10.244.1.3');
  assert.deepEqual(
    (await rt.listPodSandboxes({ labels: { [LABEL_POD_UID]: 'u2' } })).map((s) => s.id),
    [s2],
  );
  await rt.stopPodSandbox(s1);
  const stopped = (await rt.podSandboxStatus(s1))!;
  assert.equal(stopped.state, 'SANDBOX_NOTREADY');
  assert.equal(stopped.ip, '');
  assert.deepEqual(
    (await rt.listPodSandboxes({ state: 'SANDBOX_READY' })).map((s) => s.id),
    [s2],
  );
  await rt.removePodSandbox(s1);
  await rt.removePodSandbox(s1);
  assert.equal(await rt.podSandboxStatus(s1), undefined);
  await assert.rejects(rt.updateRuntimeConfig({ podCidr: '10.244.9.0/24' }), /pod CIDR changed/);
});

test('containers go created → running → exited, and die with their sandbox', async () => {
  let clock = 1000;
  const rt = new FakeRuntime({ now: () => clock });
  await rt.updateRuntimeConfig({ podCidr: '10.244.1.0/24' });
  const cfg = sandboxConfig('u1');
  const sb = await rt.runPodSandbox(cfg);
  const labels = { ...cfg.labels, [LABEL_CONTAINER_NAME]: 'web' };
  const id = await rt.createContainer(sb, { name: 'web', image: 'nginx:1.27', labels, attempt: 0 }, cfg);
  assert.equal((await rt.containerStatus(id))!.state, 'CONTAINER_CREATED');
  clock = 2000;
  await rt.startContainer(id);
  const running = (await rt.containerStatus(id))!;
  assert.equal(running.state, 'CONTAINER_RUNNING');
  assert.equal(running.startedAt, 2000);
  assert.match(running.imageRef, /^fake:\/\/sha256:[0-9a-f]{64}$/);
  await assert.rejects(rt.startContainer(id), /cannot start/);
  assert.deepEqual(
    (await rt.listContainers({ labels: { [LABEL_CONTAINER_NAME]: 'web' } })).map((c) => c.id),
    [id],
  );
  clock = 3000;
  await rt.stopPodSandbox(sb);
  const exited = (await rt.containerStatus(id))!;
  assert.equal(exited.state, 'CONTAINER_EXITED');
  assert.equal(exited.exitCode, 137);
  assert.equal(exited.finishedAt, 3000);
  await assert.rejects(rt.createContainer(sb, { name: 'x', image: 'x', labels: {}, attempt: 0 }, cfg), /not ready/);
  await rt.removePodSandbox(sb);
  assert.deepEqual(await rt.listContainers(), []);
});

test('exit plan: hollow.skiff.dev/exit-after and exit-code, malformed values mean no plan', () => {
  assert.deepEqual(exitPlanOf({ [ANNOTATION_EXIT_AFTER]: '2s' }), { afterMs: 2000, exitCode: 0 });
  assert.deepEqual(exitPlanOf({ [ANNOTATION_EXIT_AFTER]: '500ms', [ANNOTATION_EXIT_CODE]: '3' }), { afterMs: 500, exitCode: 3 });
  assert.deepEqual(exitPlanOf({ [ANNOTATION_EXIT_AFTER]: '1m30s' }), { afterMs: 90_000, exitCode: 0 });
  assert.equal(exitPlanOf({}), undefined);
  assert.equal(exitPlanOf({ [ANNOTATION_EXIT_AFTER]: 'soon' }), undefined);
  assert.equal(exitPlanOf({ [ANNOTATION_EXIT_AFTER]: '1s', [ANNOTATION_EXIT_CODE]: '-1' }), undefined);
});

test('a container whose pod carries an exit plan exits by itself and the kubelet is told', async () => {
  const exited: string[] = [];
  const rt = new FakeRuntime({ onContainerExit: (uid) => exited.push(uid) });
  await rt.updateRuntimeConfig({ podCidr: '10.244.1.0/24' });
  const sandbox = { ...sandboxConfig('u1'), annotations: { [ANNOTATION_EXIT_AFTER]: '20ms', [ANNOTATION_EXIT_CODE]: '2' } };
  const s = await rt.runPodSandbox(sandbox);
  const c = await rt.createContainer(s, { name: 'main', image: 'busybox', attempt: 0, labels: { ...sandbox.labels, [LABEL_CONTAINER_NAME]: 'main' } }, sandbox);
  await rt.startContainer(c);
  assert.equal((await rt.containerStatus(c))!.state, 'CONTAINER_RUNNING');
  while (exited.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const status = (await rt.containerStatus(c))!;
  assert.equal(status.state, 'CONTAINER_EXITED');
  assert.equal(status.exitCode, 2);
  assert.equal(status.reason, 'Error');
  assert.deepEqual(exited, ['u1']);

  const plain = sandboxConfig('u2');
  const s2 = await rt.runPodSandbox(plain);
  const c2 = await rt.createContainer(s2, { name: 'main', image: 'busybox', attempt: 0, labels: { ...plain.labels, [LABEL_CONTAINER_NAME]: 'main' } }, plain);
  await rt.startContainer(c2);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.equal((await rt.containerStatus(c2))!.state, 'CONTAINER_RUNNING', 'no annotation: runs until stopped');
});
