/**
 * Probes on a real Docker-mode kubelet: an httpGet liveness probe whose file disappears gets the
 * container restarted; an exec readiness probe turns the pod's Ready condition False and back
 * True as its file is removed and recreated; a startup probe that never passes gets the
 * container restarted. Events carry the kubelet's wording. First, without a kubelet, the
 * ProbeManager itself probes a busybox container over its bridge IP and through docker exec.
 * Ports 27220–27232 (etcd 27220–27225, apiserver 27230, kubelet 27231/27232); network k3-probes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Container, type Event, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import {
  BUSYBOX_IMAGE,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  ProbeManager,
  dockerProbeExec,
  ensureBusyboxImage,
  runInContainer,
  type ProbeEvent,
} from '@skiff/kubelet';
import { createLogger } from '@skiff/log';
import { cleanupNodeContainers, dockerFor, eventually, startKubelet, startTestCluster, type KubeletProcess, type TestCluster } from '../harness/index.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const EVENTS = findResourceByKind('v1', 'Event')!;
const NODE = 'k3-probes-node';
const NS = 'default';

const docker = dockerFor();
let cluster: TestCluster | undefined;
let kubelet: KubeletProcess | undefined;
let api: RestClient;

function makePod(name: string, container: Omit<Container, 'image'>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ image: BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', ...container }] },
  };
}

const shell = (script: string) => ['sh', '-c', script];

async function podUntil(name: string, what: string, check: (pod: Pod) => boolean, timeoutMs = 120_000): Promise<Pod> {
  return eventually(
    async () => {
      const pod = await api.get<Pod>(PODS, NS, name);
      assert.ok(check(pod), `${name}: waiting for ${what}; status ${JSON.stringify(pod.status)}\n${kubelet!.logTail(15)}`);
      return pod;
    },
    timeoutMs,
    500,
  );
}

const readyCondition = (pod: Pod) => pod.status?.conditions?.find((c) => c.type === 'Ready')?.status;
const restarts = (pod: Pod) => pod.status?.containerStatuses?.[0]?.restartCount ?? 0;

async function eventsOf(pod: string): Promise<Event[]> {
  const list = await api.list<Event>(EVENTS, NS, { fieldSelector: `involvedObject.name=${pod}` });
  return list.items;
}

/** Runs a command in the pod's container through the Engine API (the kubelet API is not under test here). */
async function exec(pod: string, container: string, cmd: string[]): Promise<void> {
  const found = await docker.listContainers({
    filters: { label: [`${LABEL_POD_NAME}=${pod}`, `${LABEL_POD_NAMESPACE}=${NS}`, `${LABEL_CONTAINER_NAME}=${container}`], status: ['running'] },
  });
  assert.ok(found[0], `no running container ${container} of pod ${pod}`);
  const res = await runInContainer(docker, found[0].Id, cmd);
  assert.equal(res.exitCode, 0, `${cmd.join(' ')} in ${pod}/${container}: ${res.stderr}`);
}

describe('ProbeManager against a Docker container', { timeout: 120_000 }, () => {
  const name = 'k3-probe-direct';
  // Its own bridge: the default docker0 is not ours to rely on (other suites share this dockerd).
  const network = 'k3-probe-direct';
  after(async () => {
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
  });

  it('probes httpGet over the bridge and exec through the Engine API', async () => {
    await ensureBusyboxImage(docker);
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
    await docker.createNetwork({
      Name: network,
      Driver: 'bridge',
      Labels: { 'skiff.test': 'k3' },
      IPAM: { Config: [{ Subnet: '10.203.200.0/24', Gateway: '10.203.200.1' }] },
    });
    const container = await docker.createContainer({
      name,
      Image: BUSYBOX_IMAGE,
      Labels: { 'skiff.test': 'k3' },
      Cmd: shell('mkdir -p /www && echo ok > /www/healthz && touch /tmp/ready && exec httpd -f -p 8080 -h /www'),
      HostConfig: { NetworkMode: network },
    });
    await container.start();
    const info = await container.inspect();
    const ip = info.NetworkSettings.Networks[network]!.IPAddress;
    const events: ProbeEvent[] = [];
    const manager = new ProbeManager({
      logger: createLogger('k3-probes', 'warn'),
      exec: dockerProbeExec(docker),
      onChange: () => {},
      recordEvent: (_pod, ev) => events.push(ev),
    });
    const pod: Pod = {
      metadata: { name: 'direct', namespace: NS, uid: 'k3-direct' },
      spec: {
        containers: [
          {
            name: 'web',
            image: BUSYBOX_IMAGE,
            ports: [{ name: 'http', containerPort: 8080 }],
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 2 },
            readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      },
    };
    try {
      manager.update(pod, ip, [{ name: 'web', id: info.Id, startedAt: Date.parse(info.State.StartedAt), running: true }]);
      await eventually(async () => assert.equal(manager.results('k3-direct').readiness.get('web'), true), 30_000, 200);

      await runInContainer(docker, info.Id, ['rm', '/tmp/ready']);
      await eventually(async () => assert.equal(manager.results('k3-direct').readiness.get('web'), false), 30_000, 200);
      assert.ok(
        events.some((e) => e.message === "Readiness probe failed: cat: can't open '/tmp/ready': No such file or directory\n"),
        JSON.stringify(events),
      );
      assert.deepEqual(manager.livenessFailed('k3-direct'), new Set(), 'httpd still answers');

      await runInContainer(docker, info.Id, ['rm', '/www/healthz']);
      await eventually(async () => assert.ok(manager.livenessFailed('k3-direct').has('web')), 30_000, 200);
      assert.ok(
        events.some((e) => e.message === 'Liveness probe failed: HTTP probe failed with statuscode: 404'),
        JSON.stringify(events),
      );
    } finally {
      manager.stop();
    }
  });
});

describe('kubelet probes on Docker', { timeout: 600_000 }, () => {
  before(async () => {
    await ensureBusyboxImage(docker);
    cluster = await startTestCluster({ basePort: 27220, apiServerPort: 27230 });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.203.1.0/24', networkName: 'k3-probes', port: 27231, healthzPort: 27232 });
  });

  after(async () => {
    await kubelet?.stop().catch(() => undefined);
    await cleanupNodeContainers(NODE).catch(() => undefined);
    api?.close();
    await cluster?.stop();
  });

  it('restarts a container whose httpGet liveness probe starts failing', async () => {
    // httpd serves /www; ten seconds in, the health file goes away and the probe gets 404s.
    await api.create(
      PODS,
      makePod('k3-liveness', {
        name: 'web',
        command: shell('mkdir -p /www && echo ok > /www/healthz && (sleep 10; rm /www/healthz) & exec httpd -f -p 8080 -h /www'),
        ports: [{ name: 'http', containerPort: 8080 }],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 2 },
      }),
    );
    await podUntil('k3-liveness', 'running', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
    const restarted = await podUntil('k3-liveness', 'a restart', (p) => restarts(p) >= 1, 180_000);
    assert.ok(restarted.status?.containerStatuses?.[0]?.lastState?.terminated, 'the killed container shows as lastState.terminated');
    await eventually(
      async () => {
        const messages = (await eventsOf('k3-liveness')).map((e) => `${e.type} ${e.reason}: ${e.message}`);
        assert.ok(messages.includes('Warning Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 404'), messages.join('\n'));
        assert.ok(
          messages.some((m) => m.startsWith('Normal Killing: ') && m.includes('failed liveness probe')),
          messages.join('\n'),
        );
      },
      30_000,
      1000,
    );
  });

  it('turns Ready False and back True as an exec readiness probe fails and passes', async () => {
    await api.create(
      PODS,
      makePod('k3-readiness', {
        name: 'app',
        command: shell('touch /tmp/ready && exec sleep 3600'),
        readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
      }),
    );
    await podUntil('k3-readiness', 'Ready', (p) => readyCondition(p) === 'True');

    await exec('k3-readiness', 'app', ['rm', '/tmp/ready']);
    const unready = await podUntil('k3-readiness', 'not Ready', (p) => readyCondition(p) === 'False');
    assert.equal(unready.status?.containerStatuses?.[0]?.ready, false);
    assert.equal(unready.status?.phase, 'Running');
    assert.equal(restarts(unready), 0, 'readiness failures never restart');
    await eventually(
      async () => {
        const events = await eventsOf('k3-readiness');
        assert.ok(
          events.some((e) => e.reason === 'Unhealthy' && e.message?.startsWith('Readiness probe failed: ')),
          JSON.stringify(events.map((e) => e.message)),
        );
      },
      30_000,
      1000,
    );

    await exec('k3-readiness', 'app', ['touch', '/tmp/ready']);
    const ready = await podUntil('k3-readiness', 'Ready again', (p) => readyCondition(p) === 'True');
    assert.equal(ready.status?.containerStatuses?.[0]?.ready, true);
  });

  it('restarts a container whose startup probe never passes, and keeps it unready meanwhile', async () => {
    await api.create(
      PODS,
      makePod('k3-startup', {
        name: 'slow',
        command: ['sleep', '3600'],
        startupProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 3 },
      }),
    );
    const running = await podUntil('k3-startup', 'running', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
    assert.equal(running.status?.containerStatuses?.[0]?.started, false);
    assert.notEqual(readyCondition(running), 'True');
    await podUntil('k3-startup', 'a restart', (p) => restarts(p) >= 1, 180_000);
    await eventually(
      async () => {
        const events = await eventsOf('k3-startup');
        assert.ok(
          events.some((e) => e.reason === 'Unhealthy' && e.message?.startsWith('Startup probe failed: ')),
          JSON.stringify(events.map((e) => e.message)),
        );
      },
      30_000,
      1000,
    );
  });
});
