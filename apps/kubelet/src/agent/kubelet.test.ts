/**
 * The Kubelet as hollow nodes run it: the real pod workers, syncPod and status manager over a
 * FakeRuntime, with no volumes, probes or events plugged in, against a fake apiserver that
 * applies status patches and feeds the pod back as an informer would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, PodStatus } from '@skiff/api';
import { createLogger } from '@skiff/log';
import { FakeRuntime } from '../fake-runtime.ts';
import { HollowKubelet } from '../hollow-kubelet.ts';
import { Kubelet } from './kubelet.ts';

const logger = createLogger('kubelet-test', 'silent');

function fixture(node: Node = { metadata: { name: 'hollow-node-0', uid: 'n1' }, spec: { podCIDR: '10.244.7.0/24' } }) {
  const runtime = new FakeRuntime();
  const pods = new Map<string, Pod>();
  const deletes: { name: string; opts: unknown }[] = [];
  let rv = 1;
  let kubelet!: Kubelet;
  const client = {
    get: async () => {
      throw new Error('no get expected');
    },
    create: async (_r: unknown, obj: object) => obj,
    update: async (_r: unknown, obj: object) => obj,
    patch: async (_r: unknown, _ns: string, name: string, _t: string, body: { status: Record<string, unknown> }) => {
      const pod = pods.get(name)!;
      const status = { ...pod.status } as Record<string, unknown>;
      for (const [k, v] of Object.entries(body.status))
        if (v === null) delete status[k];
        else status[k] = v;
      const next: Pod = { ...pod, metadata: { ...pod.metadata, resourceVersion: String(++rv) }, status: status as PodStatus };
      pods.set(name, next);
      kubelet.podUpdated(next);
      return next;
    },
    delete: async (_r: unknown, _ns: string, name: string, opts: unknown) => {
      deletes.push({ name, opts });
      const pod = pods.get(name);
      pods.delete(name);
      if (pod) kubelet.podDeleted(pod);
      return {};
    },
  };
  kubelet = new Kubelet({
    shape: {
      name: 'hollow-node-0',
      internalIp: '10.255.0.1',
      cpu: '4',
      memory: '16Gi',
      maxPods: 110,
      labels: {},
      runtimeVersion: 'fake://0.1.0',
      arch: 'amd64',
    },
    runtime,
    client: client as never,
    logger,
    getNode: () => node,
    sources: { getConfigMap: async () => undefined, getSecret: async () => undefined },
    resyncMs: 20,
  });
  const add = (pod: Pod) => {
    pods.set(pod.metadata!.name!, pod);
    kubelet.podUpdated(pod);
  };
  const setNode = (n: Node) => {
    node = n;
  };
  return { kubelet, runtime, pods, deletes, add, setNode };
}

const makePod = (name: string, restartPolicy: 'Always' | 'Never' = 'Always'): Pod => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1' },
  spec: { nodeName: 'hollow-node-0', restartPolicy, containers: [{ name: 'app', image: 'nginx:1.27' }] },
  status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:01Z' }] },
});

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const ready = (pod: Pod | undefined) => pod?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

test("a pod waits for the node's pod CIDR, then runs and is reported Running and Ready", async () => {
  const fx = fixture({ metadata: { name: 'hollow-node-0' }, spec: {} });
  fx.add(makePod('web'));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(fx.pods.get('web')!.status!.phase, 'Pending', 'no sandbox without a pod CIDR');
  assert.deepEqual(await fx.runtime.listPodSandboxes(), []);
  fx.setNode({ metadata: { name: 'hollow-node-0' }, spec: { podCIDR: '10.244.7.0/24' } });
  fx.kubelet.podCidrChanged();
  await until('Running and Ready', () => ready(fx.pods.get('web')));
  const status = fx.pods.get('web')!.status!;
  assert.equal(status.phase, 'Running');
  assert.equal(status.podIP, '10.244.7.2');
  assert.equal(status.hostIP, '10.255.0.1');
  assert.match(status.containerStatuses![0]!.containerID!, /^fake:\/\/[0-9a-f]{64}$/);
  assert.equal(status.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime, '2026-01-01T00:00:01Z');
  await fx.kubelet.stop();
});

test('a container that exits in the fake runtime is restarted under restartPolicy Always, not under Never', async () => {
  const fx = fixture();
  fx.add(makePod('always'));
  fx.add(makePod('never', 'Never'));
  await until('both Ready', () => ready(fx.pods.get('always')) && ready(fx.pods.get('never')));
  const running = async (uid: string) => fx.runtime.listContainers({ labels: { 'io.kubernetes.pod.uid': uid }, state: 'CONTAINER_RUNNING' });
  fx.runtime.exitContainer((await running('uid-always'))[0]!.id, 1);
  fx.runtime.exitContainer((await running('uid-never'))[0]!.id, 0);
  await until('the restart', () => fx.pods.get('always')!.status!.containerStatuses![0]!.restartCount === 1 && ready(fx.pods.get('always')));
  const always = fx.pods.get('always')!.status!.containerStatuses![0]!;
  assert.equal(always.lastState?.terminated?.exitCode, 1);
  assert.equal((await running('uid-always'))[0]!.attempt, 1);
  await until('Succeeded', () => fx.pods.get('never')!.status!.phase === 'Succeeded');
  assert.deepEqual(await running('uid-never'), [], 'restartPolicy Never: not restarted');
  await fx.kubelet.stop();
});

test("a deleted pod's containers are killed and removed, then its deletion is confirmed with a uid precondition", async () => {
  const fx = fixture({ metadata: { name: 'hollow-node-0' }, spec: { podCIDR: '10.0.0.0/30' } });
  fx.add(makePod('web'));
  await until('Ready', () => ready(fx.pods.get('web')));
  const [container] = await fx.runtime.listContainers();
  const seen: string[] = [];
  const stop = fx.runtime.stopContainer.bind(fx.runtime);
  fx.runtime.stopContainer = async (id, timeout) => {
    seen.push(id);
    return stop(id, timeout);
  };
  const pod = fx.pods.get('web')!;
  fx.add({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:01:00Z', deletionGracePeriodSeconds: 30, resourceVersion: '99' } });
  await until('the confirmation', () => fx.deletes.length === 1);
  assert.deepEqual(seen, [container!.id], 'the running container was stopped');
  assert.deepEqual(fx.deletes[0], { name: 'web', opts: { gracePeriodSeconds: 0, preconditions: { uid: 'uid-web' } } });
  await until('the runtime is empty', async () => (await fx.runtime.listPodSandboxes()).length === 0 && (await fx.runtime.listContainers()).length === 0);
  // The /30 has one pod address: it is free again for the next pod.
  fx.add(makePod('next'));
  await until('next Ready', () => ready(fx.pods.get('next')));
  assert.equal(fx.pods.get('next')!.status!.podIP, '10.0.0.2');
  assert.equal(fx.kubelet.podCount, 1);
  await fx.kubelet.stop();
});

test('hollow nodes are Kubelets over their own FakeRuntime', () => {
  const hollow = new HollowKubelet({
    client: {} as never,
    logger,
    hollowNodes: 3,
    nodeNamePrefix: 'h-',
    firstIndex: 5,
    cpu: '4',
    memory: '16Gi',
    maxPods: 110,
    labels: {},
  });
  assert.deepEqual([...hollow.kubelets.keys()], ['h-5', 'h-6', 'h-7']);
  const [a, b] = [hollow.kubelets.get('h-5')!, hollow.kubelets.get('h-6')!];
  assert.ok(a instanceof Kubelet);
  assert.ok(a.runtime instanceof FakeRuntime);
  assert.notEqual(a.runtime, b.runtime);
});
