/**
 * The Docker-mode kubelet as a process against a real apiserver, on the host's dockerd: pods
 * bound by spec.nodeName (no scheduler) run as a pause sandbox plus containers, and what a
 * user sees in the API — phase, conditions, podIP, container states, restart counts, events,
 * deletion — follows what the containers do. Docker objects: labelled skiff.node=k1-pods,
 * network k1-pods; ports 27050.. (apiserver 27150), kubelet 27080/27081.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { findResource, type Event as CoreEvent, type Node, type Pod, type Secret } from '@skiff/api';
import { RestClient, isNotFound, loadKubeconfig } from '@skiff/client';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '@skiff/kubelet';
import {
  allowPrivilegedPods,
  cleanupNodeContainers,
  eventually,
  startKubelet,
  startTestCluster,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const NODE = 'k1-pods';
const NETWORK = 'k1-pods';
const POD_CIDR = '10.201.1.0/24';
const pods = findResource('', 'v1', 'pods')!;
const secrets = findResource('', 'v1', 'secrets')!;
const events = findResource('', 'v1', 'events')!;
const nodes = findResource('', 'v1', 'nodes')!;
const docker = new Docker();

let cluster: TestCluster;
let kubelet: KubeletProcess | undefined;
let api: RestClient;
const hostDir = mkdtempSync(join(tmpdir(), 'k1-prestop-'));

function pod(name: string, spec: Partial<NonNullable<Pod['spec']>> & Pick<NonNullable<Pod['spec']>, 'containers'>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, ...spec } };
}

async function getPod(name: string): Promise<Pod> {
  return api.get<Pod>(pods, 'default', name);
}

/** Polls the pod until `check` returns true (it may throw to explain what it still waits for). */
async function waitForPod(name: string, what: string, check: (p: Pod) => boolean, timeoutMs = 90_000): Promise<Pod> {
  return eventually(
    async () => {
      const p = await getPod(name);
      if (!check(p)) throw new Error(`pod ${name}: waiting for ${what}; status ${JSON.stringify(p.status)}${kubelet?.logTail(5) ?? ''}`);
      return p;
    },
    timeoutMs,
    500,
  );
}

async function containerLogs(podName: string, container: string): Promise<string> {
  const p = await getPod(podName);
  const id = p.status?.containerStatuses?.find((c) => c.name === container)?.containerID?.replace('docker://', '');
  assert.ok(id, `no containerID for ${podName}/${container}`);
  const raw = (await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  // Docker frames non-TTY output: 8-byte headers before each payload.
  const parts: Buffer[] = [];
  for (let o = 0; o + 8 <= raw.length; ) {
    const len = raw.readUInt32BE(o + 4);
    parts.push(raw.subarray(o + 8, o + 8 + len));
    o += 8 + len;
  }
  return Buffer.concat(parts).toString('utf8');
}

async function podEvents(name: string): Promise<CoreEvent[]> {
  const list = await api.list<CoreEvent>(events, 'default');
  return list.items.filter((e) => e.involvedObject?.name === name);
}

function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

describe('kubelet on Docker: pods', { timeout: 600_000 }, () => {
  before(async () => {
    await cleanupNodeContainers(NODE);
    await ensureBusyboxImage(docker, BUSYBOX_IMAGE);
    cluster = await startTestCluster({ basePort: 27050, etcdMembers: 1 });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    await allowPrivilegedPods(api, 'default'); // hostPath / hostPort pods, refused by the default baseline
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: POD_CIDR, networkName: NETWORK, port: 27080, healthzPort: 27081 });
  });

  after(async () => {
    await kubelet?.stop().catch(() => kubelet?.kill());
    await cleanupNodeContainers(NODE);
    api?.close();
    await cluster?.stop();
    rmSync(hostDir, { recursive: true, force: true });
    const left = await docker.listContainers({ all: true, filters: { label: [`skiff.node=${NODE}`] } });
    assert.equal(left.length, 0, 'containers left behind');
  });

  it('registers a Ready node with machine capacity, addresses and the kubelet port', async () => {
    const node = await api.get<Node>(nodes, undefined, NODE);
    assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], NODE);
    assert.equal(node.metadata?.labels?.['kubernetes.io/os'], 'linux');
    assert.ok(Number(node.status?.capacity?.cpu) >= 1, 'cpu capacity');
    assert.match(node.status?.allocatable?.cpu ?? '', /^\d+m$/);
    assert.deepEqual(node.status?.addresses, [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: NODE },
    ]);
    assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, 27080);
    assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^docker:\/\/\d+/);
    assert.equal(node.spec?.podCIDR, POD_CIDR);
    const health = await fetch('http://127.0.0.1:27081/healthz');
    assert.equal(health.status, 200);
  });

  it('runs two containers that talk over localhost, with env from a Secret and the downward API', async () => {
    await api.create<Secret>(
      secrets,
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k1-secret', namespace: 'default' }, stringData: { password: 's3cr3t' } },
      { namespace: 'default' },
    );
    await api.create(
      pods,
      pod('web', {
        containers: [
          { name: 'server', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo hello-from-server > /tmp/index.html && httpd -f -p 8080 -h /tmp'] },
          {
            name: 'client',
            image: BUSYBOX_IMAGE,
            command: [
              'sh',
              '-c',
              'echo "PASSWORD=$PASSWORD IP=$MY_IP"; while true; do wget -qO- http://127.0.0.1:8080/index.html && sleep 1000; sleep 1; done',
            ],
            env: [
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'k1-secret', key: 'password' } } },
              { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
          },
        ],
      }),
      { namespace: 'default' },
    );
    const running = await waitForPod('web', 'Running and Ready', (p) => p.status?.phase === 'Running' && isReady(p));
    assert.match(running.status?.podIP ?? '', /^10\.201\.1\.\d+$/, 'podIP in the node CIDR');
    assert.equal(running.status?.hostIP, '127.0.0.1');
    for (const c of running.status?.containerStatuses ?? []) {
      assert.ok(c.state?.running, `${c.name} running`);
      assert.equal(c.restartCount, 0);
      assert.match(c.containerID ?? '', /^docker:\/\//);
    }
    const logs = await eventually(
      async () => {
        const out = await containerLogs('web', 'client');
        assert.match(out, /hello-from-server/);
        return out;
      },
      60_000,
      500,
    );
    assert.match(logs, new RegExp(`PASSWORD=s3cr3t IP=${running.status!.podIP!.replace(/\./g, '\\.')}`));
  });

  it('reports a restartPolicy Never container that exits 3 as Failed with exitCode 3, reason Error', async () => {
    await api.create(pods, pod('exit3', { restartPolicy: 'Never', containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'exit 3'] }] }), {
      namespace: 'default',
    });
    const failed = await waitForPod('exit3', 'phase Failed', (p) => p.status?.phase === 'Failed');
    const term = failed.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(term?.exitCode, 3);
    assert.equal(term?.reason, 'Error');
  });

  it('backs off a crashing container: CrashLoopBackOff, restartCount grows, BackOff events', async () => {
    await api.create(pods, pod('crash', { containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'exit 1'] }] }), { namespace: 'default' });
    await waitForPod('crash', 'CrashLoopBackOff', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    const p = await waitForPod('crash', 'restartCount >= 2', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 120_000);
    assert.equal(p.status?.phase, 'Running', 'restartPolicy Always keeps the pod Running');
    assert.equal(p.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 1);
    await eventually(
      async () => {
        const backoff = (await podEvents('crash')).find((e) => e.reason === 'BackOff');
        assert.ok(backoff, 'a BackOff event');
        assert.equal(backoff.type, 'Warning');
        assert.equal(backoff.involvedObject?.fieldPath, 'spec.containers{main}');
      },
      30_000,
      500,
    );
  });

  it('reports OOMKilled for a container past its memory limit', async (t) => {
    await api.create(
      pods,
      pod('oom', {
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'head -c 200m /dev/zero | tail'], resources: { limits: { memory: '50Mi' } } }],
      }),
      { namespace: 'default' },
    );
    const done = await waitForPod('oom', 'a terminal phase', (p) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded');
    const id = done.status?.containerStatuses?.[0]?.containerID?.replace('docker://', '') ?? '';
    const limit = (await docker.getContainer(id).inspect()).HostConfig.Memory;
    assert.equal(limit, 50 * 1024 * 1024, 'the memory limit reached Docker');
    const term = done.status?.containerStatuses?.[0]?.state?.terminated;
    if (done.status?.phase === 'Succeeded') {
      t.skip('this host does not enforce Docker memory limits (the allocation succeeded under a 50Mi limit)');
      return;
    }
    assert.equal(term?.reason, 'OOMKilled');
  });

  it('deletes a pod that ignores SIGTERM after its grace period, running preStop first', async () => {
    const marker = join(hostDir, 'prestop-ran');
    await api.create(
      pods,
      pod('stubborn', {
        terminationGracePeriodSeconds: 5,
        volumes: [{ name: 'host', hostPath: { path: hostDir, type: 'Directory' } }],
        containers: [
          {
            name: 'main',
            image: BUSYBOX_IMAGE,
            command: ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'],
            volumeMounts: [{ name: 'host', mountPath: '/host' }],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'mkdir -p /host && echo bye > /host/prestop-ran'] } } },
          },
        ],
      }),
      { namespace: 'default' },
    );
    const running = await waitForPod('stubborn', 'Running', (p) => p.status?.phase === 'Running');
    const uid = running.metadata!.uid!;
    await api.delete(pods, 'default', 'stubborn');
    const started = Date.now();
    await eventually(
      async () => {
        try {
          await getPod('stubborn');
        } catch (err) {
          if (isNotFound(err)) return;
          throw err;
        }
        throw new Error('pod still there');
      },
      90_000,
      250,
    );
    const took = Date.now() - started;
    // A container that ignores SIGTERM is killed only when the grace period ends.
    assert.ok(took >= 4000, `pod went away after ${took} ms, before its 5 s grace period`);
    const left = await docker.listContainers({ all: true, filters: { label: [`io.kubernetes.pod.uid=${uid}`] } });
    assert.equal(left.length, 0, 'containers of the deleted pod remain');
    const killing = (await podEvents('stubborn')).find((e) => e.reason === 'Killing');
    assert.ok(killing, 'a Killing event');
    const failedHook = (await podEvents('stubborn')).find((e) => e.reason === 'FailedPreStopHook');
    assert.equal(failedHook, undefined, `preStop failed: ${failedHook?.message}`);
    assert.equal(readFileSync(marker, 'utf8').trim(), 'bye', 'the preStop hook wrote into the hostPath');
  });
});
