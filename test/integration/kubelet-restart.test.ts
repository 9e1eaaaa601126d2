/**
 * Restart safety of the Docker-mode kubelet. A kubelet killed with SIGKILL and started again
 * adopts the containers it finds by their labels: same container IDs, no restarts, the pod
 * stays Ready. A restarted Docker engine (a private dockerd started and stopped by this test,
 * never the host's) leaves dead sandboxes behind: the kubelet recreates them and the pod is
 * Running again. Docker objects: labelled skiff.node=k1-restart / k1-engine, networks k1-*;
 * ports 27060.. (apiserver 27160), kubelets 27082..27085.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import Docker from 'dockerode';
import { findResource, type Node, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, ensureBusyboxImage, ensurePauseImage } from '@skiff/kubelet';
import { createLogger } from '@skiff/log';
import { cleanupNodeContainers, eventually, startKubelet, startTestCluster, type KubeletProcess, type TestCluster } from '../harness/index.ts';

const pods = findResource('', 'v1', 'pods')!;
const hostDocker = new Docker();

const PRIVATE = {
  sock: '/run/k1-docker.sock',
  host: 'unix:///run/k1-docker.sock',
  pidfile: '/run/k1-docker.pid',
  dataRoot: '/tmp/k1-docker-data',
  execRoot: '/run/k1-docker-exec',
  log: '/tmp/k1-dockerd.log',
};

let cluster: TestCluster;
let api: RestClient;
const kubelets: KubeletProcess[] = [];

function isReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

async function waitForPod(name: string, what: string, check: (p: Pod) => boolean, timeoutMs = 120_000): Promise<Pod> {
  return eventually(
    async () => {
      const p = await api.get<Pod>(pods, 'default', name);
      if (!check(p)) throw new Error(`pod ${name}: waiting for ${what}; status ${JSON.stringify(p.status)}`);
      return p;
    },
    timeoutMs,
    500,
  );
}

function sleeper(name: string, nodeName: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'while true; do sleep 1; done'] }],
    },
  };
}

/**
 * A private dockerd: own data/exec roots and socket, no iptables, and a default bridge of its own.
 * Not `--bridge=none`: dockerd then deletes the host's docker0 link, which belongs to the host's engine.
 */
const PRIVATE_BRIDGE = { name: 'k1eng0', address: '10.201.250.1/24' };
class PrivateDockerd {
  #child: ChildProcess | undefined;
  readonly docker = new Docker({ socketPath: PRIVATE.sock });

  async start(): Promise<void> {
    mkdirSync(PRIVATE.dataRoot, { recursive: true });
    mkdirSync(PRIVATE.execRoot, { recursive: true });
    const log = openSync(PRIVATE.log, 'a');
    if (spawnSync('ip', ['link', 'show', PRIVATE_BRIDGE.name]).status !== 0) {
      for (const args of [
        ['link', 'add', PRIVATE_BRIDGE.name, 'type', 'bridge'],
        ['addr', 'add', PRIVATE_BRIDGE.address, 'dev', PRIVATE_BRIDGE.name],
        ['link', 'set', PRIVATE_BRIDGE.name, 'up'],
      ]) {
        const r = spawnSync('ip', args, { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
      }
    }
    this.#child = spawn(
      'dockerd',
      [
        `--data-root=${PRIVATE.dataRoot}`,
        `--exec-root=${PRIVATE.execRoot}`,
        `--pidfile=${PRIVATE.pidfile}`,
        `-H`,
        PRIVATE.host,
        `--bridge=${PRIVATE_BRIDGE.name}`,
        '--iptables=false',
        '--ip-masq=false',
        '--containerd-namespace=k1moby',
        '--containerd-plugins-namespace=k1plugins',
      ],
      { stdio: ['ignore', log, log] },
    );
    await eventually(
      async () => {
        if (this.#child?.exitCode !== null) throw new Error(`private dockerd exited: ${readFileSync(PRIVATE.log, 'utf8').slice(-2000)}`);
        await this.docker.ping();
      },
      60_000,
      300,
    );
  }

  /** SIGTERM (dockerd stops its containers: no live-restore), SIGKILL after 30 s; then its containerd, by pid. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    this.#child = undefined;
    const containerdPid = `${PRIVATE.execRoot}/containerd/containerd.pid`;
    if (existsSync(containerdPid)) {
      const pid = Number(readFileSync(containerdPid, 'utf8').trim());
      try {
        if (pid > 0) process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone with dockerd.
      }
    }
  }

  /** Copies an image from the host's dockerd (docker save | docker load, through the API). */
  async loadFromHost(image: string): Promise<void> {
    const tar = await hostDocker.getImage(image).get();
    const stream = await this.docker.loadImage(tar);
    await new Promise<void>((resolve, reject) => this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())));
  }
}

describe('kubelet on Docker: restart safety', { timeout: 600_000 }, () => {
  before(async () => {
    await cleanupNodeContainers('k1-restart');
    await ensureBusyboxImage(hostDocker, BUSYBOX_IMAGE);
    await ensurePauseImage(hostDocker, createLogger('k1-test', 'warn'), PAUSE_IMAGE);
    cluster = await startTestCluster({ basePort: 27060, etcdMembers: 1 });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
  });

  after(async () => {
    for (const k of kubelets) await k.stop().catch(() => k.kill());
    await cleanupNodeContainers('k1-restart');
    api?.close();
    await cluster?.stop();
  });

  it('adopts its containers after kill -9: same container IDs, no restarts, still Ready', async () => {
    const opts = { cluster, nodeName: 'k1-restart', podCidr: '10.201.2.0/24', networkName: 'k1-restart', port: 27082, healthzPort: 27083 };
    const kubelet = await startKubelet(opts);
    kubelets.push(kubelet);
    await api.create(pods, sleeper('adopt', 'k1-restart'), { namespace: 'default' });
    const before = await waitForPod('adopt', 'Ready', isReady);
    const idBefore = before.status?.containerStatuses?.[0]?.containerID;
    assert.ok(idBefore);
    const sandboxesBefore = (await hostDocker.listContainers({ all: true, filters: { label: [`io.kubernetes.pod.uid=${before.metadata!.uid}`] } }))
      .map((c) => c.Id)
      .sort();

    await kubelet.kill();
    await kubelet.start();
    // Let the new process sync the pod at least twice (resync every 10 s).
    await new Promise((r) => setTimeout(r, 15_000));
    const after = await waitForPod('adopt', 'Ready', isReady);
    assert.equal(after.status?.containerStatuses?.[0]?.containerID, idBefore, 'the container was replaced');
    assert.equal(after.status?.containerStatuses?.[0]?.restartCount, 0);
    const sandboxesAfter = (await hostDocker.listContainers({ all: true, filters: { label: [`io.kubernetes.pod.uid=${before.metadata!.uid}`] } }))
      .map((c) => c.Id)
      .sort();
    assert.deepEqual(sandboxesAfter, sandboxesBefore, 'containers or sandboxes were created or removed');
    assert.match(kubelet.logTail(200), /kubelet running/);

    // Deleted for good while the kubelet is down: its containers go once it is back.
    await kubelet.stop();
    await api.delete(pods, 'default', 'adopt', { gracePeriodSeconds: 0 });
    await kubelet.start();
    await eventually(
      async () => {
        const left = await hostDocker.listContainers({ all: true, filters: { label: [`io.kubernetes.pod.uid=${before.metadata!.uid}`] } });
        assert.equal(left.length, 0, 'containers of a pod deleted while the kubelet was down');
      },
      60_000,
      500,
    );
  });

  describe('with a private Docker engine', () => {
    const engine = new PrivateDockerd();
    const NODE = 'k1-engine';
    before(async () => {
      rmSync(PRIVATE.dataRoot, { recursive: true, force: true });
      await engine.start();
      await engine.loadFromHost(BUSYBOX_IMAGE);
      await engine.loadFromHost(PAUSE_IMAGE);
    });
    after(async () => {
      await cleanupNodeContainers(NODE, PRIVATE.host).catch(() => undefined);
      const k = kubelets.find((x) => x.nodeName === NODE);
      await k?.stop().catch(() => k.kill());
      await engine.stop();
      rmSync(PRIVATE.dataRoot, { recursive: true, force: true });
      rmSync(PRIVATE.execRoot, { recursive: true, force: true });
      spawnSync('ip', ['link', 'del', PRIVATE_BRIDGE.name]);
    });

    it('brings pods back Running after the engine restarts', async () => {
      const kubelet = await startKubelet({
        cluster,
        nodeName: NODE,
        podCidr: '10.201.3.0/24',
        networkName: 'k1-engine',
        port: 27084,
        healthzPort: 27085,
        dockerHost: PRIVATE.host,
      });
      kubelets.push(kubelet);
      await api.create(pods, sleeper('survivor', NODE), { namespace: 'default' });
      const first = await waitForPod('survivor', 'Ready', isReady);
      const firstId = first.status?.containerStatuses?.[0]?.containerID;

      await engine.stop();
      // Ready follows Docker's health.
      await eventually(
        async () => {
          const node = await api.get<Node>(findResource('', 'v1', 'nodes')!, undefined, NODE);
          const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
          assert.equal(ready?.status, 'False');
          assert.equal(ready?.message, 'container runtime is down');
        },
        60_000,
        500,
      );
      await engine.start();

      const back = await waitForPod(
        'survivor',
        'Running and Ready with a new container',
        (p) => {
          const id = p.status?.containerStatuses?.[0]?.containerID;
          return p.status?.phase === 'Running' && isReady(p) && id !== undefined && id !== firstId;
        },
        180_000,
      );
      assert.match(back.status?.podIP ?? '', /^10\.201\.3\.\d+$/);
      const running = await engine.docker.listContainers({ filters: { label: [`io.kubernetes.pod.uid=${back.metadata!.uid}`] } });
      assert.equal(running.length, 2, 'a running sandbox and container');
    });
  });
});
