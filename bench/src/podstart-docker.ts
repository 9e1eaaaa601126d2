/**
 * The floor under pod startup: what the kubelet asks of Docker for a one-container pod, done
 * directly — create and start a pause container on a bridge network, then create and start the
 * app container sharing its network and IPC namespaces — timed per pair.
 */
import type Docker from 'dockerode';

const NETWORK = 'k2-bench-docker';
const LABEL = 'skiff.bench=k2-podstart';

export interface DockerBaselineOptions {
  count: number;
  pauseImage: string;
  image: string;
  onProgress?: (done: number, lastMs: number) => void;
}

export async function runDockerBaseline(docker: Docker, opts: DockerBaselineOptions): Promise<number[]> {
  await removeBaseline(docker);
  await docker.createNetwork({ Name: NETWORK, Driver: 'bridge', Labels: { 'skiff.bench': 'k2-podstart' }, IPAM: { Config: [{ Subnet: '10.202.200.0/24' }] } });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < opts.count; i++) {
      const started = performance.now();
      const pause = await docker.createContainer({
        name: `k2-bench-pause-${i}`,
        Image: opts.pauseImage,
        Labels: { 'skiff.bench': 'k2-podstart' },
        HostConfig: { NetworkMode: NETWORK, IpcMode: 'shareable' },
      });
      await pause.start();
      const app = await docker.createContainer({
        name: `k2-bench-app-${i}`,
        Image: opts.image,
        Cmd: ['sleep', '3600'],
        Labels: { 'skiff.bench': 'k2-podstart' },
        HostConfig: { NetworkMode: `container:${pause.id}`, IpcMode: `container:${pause.id}` },
      });
      await app.start();
      latencies.push(performance.now() - started);
      opts.onProgress?.(i + 1, latencies.at(-1)!);
    }
  } finally {
    await removeBaseline(docker);
  }
  return latencies;
}

async function removeBaseline(docker: Docker): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [LABEL] } });
  // Apps first: a pause container cannot go while others share its namespaces.
  const apps = containers.filter((c) => c.Names.some((n) => n.includes('k2-bench-app-')));
  await Promise.all(
    apps.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  const rest = containers.filter((c) => !apps.includes(c));
  await Promise.all(
    rest.map((c) =>
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
}
