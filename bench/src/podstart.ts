/**
 * `./skiff bench podstart [--pods=30] [--batch=1]`: how long a one-container pod takes from
 * create to Running on one Docker-mode kubelet (Kubernetes' pod startup latency SLI, images
 * pre-pulled), beside the floor under it: the same pause + container pair run with bare
 * dockerode calls in the same run, on the same engine.
 *
 * Pods are created `--batch` at a time (default 1: one after another, each timed alone), and
 * Running is observed on a watch, as the SLI is measured.
 */
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { findResourceByKind, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { BUSYBOX_IMAGE, PAUSE_IMAGE, ensureBusyboxImage, ensurePauseImage } from '@skiff/kubelet';
import { createLogger } from '@skiff/log';
import { cleanupNodeContainers, startKubelet, startTestCluster, type KubeletProcess, type TestCluster } from '@skiff/test/harness';
import { percentile } from './latency-stats.ts';
import { runDockerBaseline } from './podstart-docker.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const usage = 'usage: skiff bench podstart [--pods=30] [--batch=1] [--base-port=27140] [--timeout=120 (s per pod)]';
const NODE = 'k2-bench-node';
const NS = 'default';

interface PodstartArgs {
  pods: number;
  batch: number;
  basePort: number;
  timeoutS: number;
}

function parsePodstartArgs(args: string[]): PodstartArgs {
  const { values } = parseArgs({
    args,
    options: { pods: { type: 'string' }, batch: { type: 'string' }, 'base-port': { type: 'string' }, timeout: { type: 'string' } },
  });
  const positive = (flag: string, value: string | undefined, dflt: number) => {
    const n = Number(value ?? dflt);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag}: want a positive integer, got "${value}"\n${usage}`);
    return n;
  };
  return {
    pods: positive('pods', values.pods, 30),
    batch: positive('batch', values.batch, 1),
    basePort: positive('base-port', values['base-port'], 27140),
    timeoutS: positive('timeout', values.timeout, 120),
  };
}

function benchPod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { bench: 'podstart' } },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
    },
  };
}

/** Times at which each pod was first seen Running, fed by one watch over the bench's pods. */
class RunningWatcher {
  readonly runningAt = new Map<string, number>();
  #waiters = new Map<string, (t: number) => void>();
  #abort = new AbortController();
  #done: Promise<void>;

  constructor(api: RestClient) {
    this.#done = (async () => {
      for await (const ev of api.watch<Pod>(PODS, NS, { labelSelector: 'bench=podstart', signal: this.#abort.signal })) {
        if (ev.type === 'ERROR' || ev.type === 'BOOKMARK') continue;
        const name = ev.object.metadata?.name ?? '';
        if (ev.object.status?.phase !== 'Running' || this.runningAt.has(name)) continue;
        const t = performance.now();
        this.runningAt.set(name, t);
        this.#waiters.get(name)?.(t);
      }
    })().catch((err: Error) => {
      if (!this.#abort.signal.aborted) console.error(`podstart: watch ended: ${err.message}`);
    });
  }

  waitRunning(name: string, timeoutMs: number): Promise<number> {
    const seen = this.runningAt.get(name);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pod ${name} not Running after ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.set(name, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }
}

async function measureKubelet(api: RestClient, opts: PodstartArgs, prefix: string, count: number): Promise<number[]> {
  const watcher = new RunningWatcher(api);
  await new Promise((r) => setTimeout(r, 300)); // the watch is open before the first create
  const latencies: number[] = [];
  try {
    for (let i = 0; i < count; i += opts.batch) {
      const names = Array.from({ length: Math.min(opts.batch, count - i) }, (_, j) => `${prefix}-${i + j}`);
      await Promise.all(
        names.map(async (name) => {
          const started = performance.now();
          await api.create(PODS, benchPod(name));
          latencies.push((await watcher.waitRunning(name, opts.timeoutS * 1000)) - started);
        }),
      );
      if (prefix !== 'warmup') console.log(`podstart: kubelet ${Math.min(i + opts.batch, count)}/${count} running (last ${Math.round(latencies.at(-1)!)} ms)`);
    }
  } finally {
    await watcher.stop();
  }
  return latencies;
}

async function deleteBenchPods(api: RestClient, timeoutMs: number): Promise<void> {
  const list = await api.list<Pod>(PODS, NS, { labelSelector: 'bench=podstart' });
  await Promise.all(list.items.map((p) => api.delete(PODS, NS, p.metadata!.name!, { gracePeriodSeconds: 0 }).catch(() => undefined)));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await api.list<Pod>(PODS, NS, { labelSelector: 'bench=podstart' })).items.length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log('podstart: some bench pods were not confirmed deleted; removing their containers directly');
}

export async function runPodstartBench(args: string[]): Promise<void> {
  const opts = parsePodstartArgs(args);
  const docker = new Docker();
  const logger = createLogger('bench-podstart', 'warn');
  console.log(`podstart: ${opts.pods} pods of one busybox container, batch ${opts.batch}, one Docker-mode kubelet; images pre-pulled`);
  await ensurePauseImage(docker, logger);
  await ensureBusyboxImage(docker);

  let cluster: TestCluster | undefined;
  let kubelet: KubeletProcess | undefined;
  let api: RestClient | undefined;
  let latencies: number[];
  try {
    // One etcd member: the bench measures the kubelet, and two shared cores are scarce.
    cluster = await startTestCluster({ basePort: opts.basePort, apiServerPort: opts.basePort + 10, etcdMembers: 1 });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    kubelet = await startKubelet({
      cluster,
      nodeName: NODE,
      podCidr: '10.202.100.0/24',
      networkName: 'k2-bench',
      port: opts.basePort + 11,
      healthzPort: opts.basePort + 12,
    });
    console.log('podstart: cluster and kubelet up; one warm-up pod (not counted)');
    await measureKubelet(api, opts, 'warmup', 1);
    latencies = await measureKubelet(api, opts, 'podstart', opts.pods);
    await deleteBenchPods(api, 120_000);
  } finally {
    await kubelet?.stop().catch(() => undefined);
    await cleanupNodeContainers(NODE).catch(() => undefined);
    api?.close();
    await cluster?.stop();
  }

  const dockerLatencies = await runDockerBaseline(docker, {
    count: opts.pods,
    pauseImage: PAUSE_IMAGE,
    image: BUSYBOX_IMAGE,
    onProgress: (done, last) => {
      if (done % 5 === 0 || done === opts.pods) console.log(`podstart: docker ${done}/${opts.pods} running (last ${Math.round(last)} ms)`);
    },
  });

  const p50 = Math.round(percentile(latencies, 50));
  const p99 = Math.round(percentile(latencies, 99));
  const dockerP50 = Math.round(percentile(dockerLatencies, 50));
  console.log(`podstart: kubelet create→Running p50 ${p50} ms, p99 ${p99} ms, max ${Math.round(Math.max(...latencies))} ms`);
  console.log(`podstart: bare dockerode pause+container p50 ${dockerP50} ms, p99 ${Math.round(percentile(dockerLatencies, 99))} ms`);
  console.log('podstart: Kubernetes SLO: p99 ≤ 5000 ms for stateless pods with pre-pulled images');
  console.log(`RESULT podstart p50_ms=${p50} p99_ms=${p99} docker_p50_ms=${dockerP50} ratio=${(p50 / Math.max(1, dockerP50)).toFixed(2)}`);
}
