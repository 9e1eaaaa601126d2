/**
 * DockerRuntime against the real dockerd: the self-built pause and busybox images, a pod of two
 * containers sharing the sandbox's network namespace, pod-to-pod traffic over the node's bridge,
 * graceful stop of a container that ignores SIGTERM, exit codes and reasons, listing by labels, and
 * cleanup. Every Docker object here is named skx4-* or labelled skiff.test=x4.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { createLogger } from '@skiff/log';
import { DockerRuntime, ensureBusyboxImage, ensurePauseImage, podLabels, runInContainer, type ContainerConfig, type PodSandboxConfig } from '@skiff/kubelet';

const TEST_LABEL = { 'skiff.test': 'x4' };
const PAUSE = 'skx4-pause:test';
const BUSYBOX = 'skx4-busybox:test';
const NETWORK = 'skx4-net';
const SUBNET = '10.199.4.0/24';

const docker = new Docker();
const logger = createLogger('kubelet-docker-test', 'warn');
const runtime = new DockerRuntime({ docker, logger, nodeName: 'skx4-node', networkName: NETWORK, pauseImage: PAUSE, extraLabels: TEST_LABEL });

function sandboxConfig(name: string): PodSandboxConfig {
  const metadata = { name, namespace: 'default', uid: `uid-${name}`, attempt: 0 };
  return {
    metadata,
    hostname: name,
    labels: podLabels(metadata),
    dns: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
  };
}

function containerConfig(name: string, command: string[]): ContainerConfig {
  return { name, image: BUSYBOX, command, labels: {}, attempt: 0 };
}

async function runContainer(sandboxId: string, sandbox: PodSandboxConfig, config: ContainerConfig): Promise<string> {
  const id = await runtime.createContainer(sandboxId, config, sandbox);
  await runtime.startContainer(id);
  return id;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function removeEverything(): Promise<void> {
  const leftovers = await docker.listContainers({ all: true, filters: { label: ['skiff.test=x4'] } });
  await Promise.all(
    leftovers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  await docker
    .getNetwork(NETWORK)
    .remove()
    .catch(() => undefined);
  for (const image of [PAUSE, BUSYBOX])
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
}

describe('DockerRuntime on a real dockerd', { timeout: 120_000 }, () => {
  before(async () => {
    await removeEverything();
  });
  after(async () => {
    await removeEverything();
    const containers = await docker.listContainers({ all: true, filters: { label: ['skiff.test=x4'] } });
    assert.equal(containers.length, 0, 'containers left behind');
    assert.equal((await docker.listNetworks({ filters: { name: [NETWORK] } })).filter((n) => n.Name === NETWORK).length, 0, 'network left behind');
  });

  it('builds the pause and busybox images from source once', async () => {
    assert.equal(await ensurePauseImage(docker, logger, PAUSE), PAUSE);
    assert.equal(await ensureBusyboxImage(docker, BUSYBOX), BUSYBOX);
    const pauseId = (await docker.getImage(PAUSE).inspect()).Id;
    const busyboxId = (await docker.getImage(BUSYBOX).inspect()).Id;
    assert.equal(await ensurePauseImage(docker, logger, PAUSE), PAUSE);
    assert.equal(await ensureBusyboxImage(docker, BUSYBOX), BUSYBOX);
    assert.equal((await docker.getImage(PAUSE).inspect()).Id, pauseId, 'second call rebuilt the pause image');
    assert.equal((await docker.getImage(BUSYBOX).inspect()).Id, busyboxId, 'second call rebuilt the busybox image');
    assert.equal(await runtime.imageExists(BUSYBOX), true);
    assert.equal(await runtime.imageExists('skx4-missing:none'), false);
  });

  it('runs pods whose containers share the sandbox network and reach other pods by IP', async () => {
    await runtime.updateRuntimeConfig({ podCidr: SUBNET });
    const web = sandboxConfig('skx4-web');
    const webId = await runtime.runPodSandbox(web);
    const httpd = await runContainer(
      webId,
      web,
      containerConfig('httpd', ['sh', '-c', 'echo hello-from-x4 > /www/index.html && exec httpd -f -p 8080 -h /www']),
    );
    const sidecar = await runContainer(webId, web, containerConfig('sidecar', ['sleep', '600']));

    const status = await runtime.podSandboxStatus(webId);
    assert.equal(status?.state, 'SANDBOX_READY');
    assert.match(status?.ip ?? '', /^10\.199\.4\.\d+$/);
    assert.deepEqual(status?.metadata, web.metadata);

    // Same network namespace: the sidecar reaches httpd on localhost.
    const local = await waitFor('httpd on localhost', async () => {
      const r = await runInContainer(docker, sidecar, ['wget', '-qO-', 'http://127.0.0.1:8080/']);
      return r.exitCode === 0 ? r : undefined;
    });
    assert.equal(local.stdout, 'hello-from-x4\n');
    const hostname = await runInContainer(docker, sidecar, ['hostname']);
    assert.equal(hostname.stdout.trim(), 'skx4-web');
    const resolv = await runInContainer(docker, httpd, ['cat', '/etc/resolv.conf']);
    assert.match(resolv.stdout, /nameserver 10\.96\.0\.10/);
    assert.match(resolv.stdout, /search default\.svc\.cluster\.local/);

    const client = sandboxConfig('skx4-client');
    const clientId = await runtime.runPodSandbox(client);
    const curl = await runContainer(clientId, client, containerConfig('client', ['sleep', '600']));
    const remote = await runInContainer(docker, curl, ['wget', '-qO-', `http://${status!.ip}:8080/`]);
    assert.equal(remote.exitCode, 0, remote.stderr);
    assert.equal(remote.stdout, 'hello-from-x4\n');

    const webContainers = await runtime.listContainers({ labels: podLabels(web.metadata) });
    assert.deepEqual(webContainers.map((c) => c.name).sort(), ['httpd', 'sidecar']);
    assert.ok(webContainers.every((c) => c.podSandboxId === webId && c.state === 'CONTAINER_RUNNING'));
    const sandboxes = await runtime.listPodSandboxes();
    assert.deepEqual(sandboxes.map((s) => s.metadata.name).sort(), ['skx4-client', 'skx4-web']);
    assert.deepEqual(
      (await runtime.listPodSandboxes({ labels: podLabels(client.metadata) })).map((s) => s.id),
      [clientId],
    );

    await runtime.stopPodSandbox(webId);
    assert.equal((await runtime.podSandboxStatus(webId))?.state, 'SANDBOX_NOTREADY');
    assert.ok((await runtime.listContainers({ podSandboxId: webId })).every((c) => c.state === 'CONTAINER_EXITED'));
    await runtime.removePodSandbox(webId);
    await runtime.removePodSandbox(clientId);
    assert.equal(await runtime.podSandboxStatus(webId), undefined);
    assert.equal(await runtime.containerStatus(httpd), undefined);
    assert.deepEqual(await runtime.listPodSandboxes(), []);
  });

  it('stops a SIGTERM-ignoring container after the grace period and reports exit codes', async () => {
    const pod = sandboxConfig('skx4-exits');
    const podId = await runtime.runPodSandbox(pod);
    const stubborn = await runContainer(podId, pod, containerConfig('stubborn', ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done']));
    const failing = await runContainer(podId, pod, containerConfig('failing', ['sh', '-c', 'echo going-down; exit 3']));
    const done = await runContainer(podId, pod, containerConfig('done', ['true']));

    const failed = await waitFor('failing to exit', async () => {
      const s = await runtime.containerStatus(failing);
      return s?.state === 'CONTAINER_EXITED' ? s : undefined;
    });
    assert.equal(failed.exitCode, 3, JSON.stringify(failed));
    assert.equal(failed.reason, 'Error', JSON.stringify(failed));
    // Not finishedAt >= startedAt: dockerd stamps StartedAt after containerd's start returns and
    // FinishedAt with containerd's exit time, so a container that exits at once can finish "before" it started.
    assert.ok(failed.startedAt > 0 && failed.finishedAt > 0 && Math.abs(failed.finishedAt - failed.startedAt) < 60_000, JSON.stringify(failed));
    assert.equal(failed.name, 'failing');
    assert.match(failed.imageRef, /^sha256:/);
    const completed = await waitFor('done to exit', async () => {
      const s = await runtime.containerStatus(done);
      return s?.state === 'CONTAINER_EXITED' ? s : undefined;
    });
    assert.equal(completed.exitCode, 0, JSON.stringify(completed));
    assert.equal(completed.reason, 'Completed', JSON.stringify(completed));

    const logs = await runtime.containerLogs(failing, { tailLines: 10 });
    let text = '';
    for await (const chunk of logs) text += chunk.toString();
    assert.equal(text, 'going-down\n');

    const before = await runtime.containerStatus(stubborn);
    assert.equal(before?.state, 'CONTAINER_RUNNING', `stubborn before stop: ${JSON.stringify(before)}`);
    const started = Date.now();
    await runtime.stopContainer(stubborn, 2);
    const elapsed = Date.now() - started;
    const killed = await runtime.containerStatus(stubborn);
    assert.ok(elapsed >= 1900, `stopped after ${elapsed} ms, before the 2 s grace period: ${JSON.stringify(killed)}`);
    assert.equal(killed?.state, 'CONTAINER_EXITED', JSON.stringify(killed));
    assert.equal(killed?.exitCode, 137, JSON.stringify(killed));
    await runtime.stopContainer(stubborn, 2); // idempotent

    await runtime.removePodSandbox(podId);
    await runtime.removePodSandbox(podId); // idempotent
    await runtime.removeNetwork();
  });
});
