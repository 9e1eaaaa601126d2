/**
 * `./skiff bench scale`: the two measurements Kubernetes makes of its control plane.
 * (a) scheduler throughput as scheduler_perf measures it: Node objects without kubelets,
 *     pending pods, only etcd + apiserver + scheduler; pods/s from first to last binding.
 * (b) kubemark-style: hollow nodes heartbeating, controller-manager and scheduler, Deployments
 *     created at once; seconds until every pod runs, API latency meanwhile, peak RSS of each
 *     control-plane process, and raw etcd puts/s from the same etcd as the ceiling beside it.
 * (c) workloads: a Job's completions/s and a DaemonSet's seconds to cover every hollow node,
 *     beside bare pod creates/s through the same apiserver (scale-workloads.ts).
 */
import { Agent } from 'node:https';
import { parseArgs } from 'node:util';
import { apiRequest, startScheduler, startTestCluster, type ComponentProcess, type TestCluster } from '@skiff/test/harness';
import { runPhase } from './latency-stats.ts';
import type { KubemarkResult } from './scale-kubemark.ts';
import type { WorkloadsResult } from './scale-workloads.ts';
import { ProcessMemorySampler, streamWatch, type StreamedWatch } from './scale-tools.ts';

const usage =
  'usage: skiff bench scale [--nodes=5000] [--pods=10000] [--hollow-nodes=1000] [--deployments=100] [--replicas=100]\n' +
  '                         [--job-completions=1000] [--job-parallelism=100] [--job-nodes=100] [--job-pod-seconds=1]\n' +
  '                         [--only=scheduler|kubemark|workloads] [--timeout=600 (s per phase)] [--base-port=24760]';

const PHASES = ['scheduler', 'kubemark', 'workloads'] as const;

export interface ScaleArgs {
  nodes: number;
  pods: number;
  hollowNodes: number;
  deployments: number;
  replicas: number;
  jobCompletions: number;
  jobParallelism: number;
  jobNodes: number;
  jobPodSeconds: number;
  only?: (typeof PHASES)[number];
  timeoutS: number;
  basePort: number;
}

function parseScaleArgs(args: string[]): ScaleArgs {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string' },
      pods: { type: 'string' },
      'hollow-nodes': { type: 'string' },
      deployments: { type: 'string' },
      replicas: { type: 'string' },
      'job-completions': { type: 'string' },
      'job-parallelism': { type: 'string' },
      'job-nodes': { type: 'string' },
      'job-pod-seconds': { type: 'string' },
      only: { type: 'string' },
      timeout: { type: 'string' },
      'base-port': { type: 'string' },
    },
  });
  const positive = (flag: string, value: string | undefined, dflt: number) => {
    const n = Number(value ?? dflt);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag}: want a positive integer, got "${value}"\n${usage}`);
    return n;
  };
  if (values.only !== undefined && !(PHASES as readonly string[]).includes(values.only)) throw new Error(`--only: ${PHASES.join(', ')}\n${usage}`);
  return {
    nodes: positive('nodes', values.nodes, 5000),
    pods: positive('pods', values.pods, 10_000),
    hollowNodes: positive('hollow-nodes', values['hollow-nodes'], 1000),
    deployments: positive('deployments', values.deployments, 100),
    replicas: positive('replicas', values.replicas, 100),
    jobCompletions: positive('job-completions', values['job-completions'], 1000),
    jobParallelism: positive('job-parallelism', values['job-parallelism'], 100),
    jobNodes: positive('job-nodes', values['job-nodes'], 100),
    jobPodSeconds: positive('job-pod-seconds', values['job-pod-seconds'], 1),
    only: values.only as ScaleArgs['only'],
    timeoutS: positive('timeout', values.timeout, 600),
    basePort: positive('base-port', values['base-port'], 24760),
  };
}

export const NS = 'bench';
export const elapsedS = (since: number) => (performance.now() - since) / 1000;

export async function createNamespace(cluster: TestCluster): Promise<void> {
  const res = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } });
  if (res.status !== 201) throw new Error(`creating namespace ${NS}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
}

const nodeFor = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } },
  spec: {},
  status: {
    capacity: { cpu: '4', memory: '16Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'hollow',
        lastHeartbeatTime: new Date().toISOString(),
        lastTransitionTime: new Date().toISOString(),
      },
    ],
  },
});

export const podTemplateSpec = { containers: [{ name: 'app', image: 'registry.local/web:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] };

/** Every stage passes through here: a failure says which request and what the server said. */
export function expectStatus(what: string, res: { status: number; body: string }, ...ok: number[]): void {
  if (!ok.includes(res.status)) throw new Error(`${what}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
}

async function createNodes(cluster: TestCluster, count: number, agent: Agent): Promise<void> {
  let statusKept: boolean | undefined;
  await runPhase(
    'create nodes',
    count,
    32,
    async (i) => {
      const name = `bench-node-${i}`;
      const res = await apiRequest(cluster.admin, 'POST', '/api/v1/nodes', { body: nodeFor(name), agent });
      expectStatus(`POST node ${name}`, res, 201);
      // Kubernetes keeps a created Node's status; should the server drop it, set it as a kubelet would.
      statusKept ??= Boolean(res.json?.status?.conditions?.length);
      if (!statusKept) {
        const patched = await apiRequest(cluster.admin, 'PATCH', `/api/v1/nodes/${name}/status`, {
          body: { status: nodeFor(name).status },
          headers: { 'content-type': 'application/merge-patch+json' },
          agent,
        });
        expectStatus(`PATCH node ${name}/status`, patched, 200);
      }
    },
    progressEvery(`  nodes created`, count),
  );
}

export function progressEvery(label: string, total: number): (done: number) => void {
  let last = 0;
  return (done) => {
    if (Date.now() - last < 2000) return;
    last = Date.now();
    console.log(`${label}: ${done}/${total}`);
  };
}

/** Resolves when `done()` holds, printing `line()` every 2 s; rejects after timeoutS. */
export async function waitUntil(done: () => boolean, line: () => string, timeoutS: number, what: string): Promise<void> {
  const started = performance.now();
  let lastPrint = 0;
  while (!done()) {
    if (interrupted.signal.aborted) throw new Error(`${what}: interrupted (${line()})`);
    if (elapsedS(started) > timeoutS) throw new Error(`${what}: not done in ${timeoutS} s (${line()})`);
    if (performance.now() - lastPrint >= 2000) {
      lastPrint = performance.now();
      console.log(`  ${line()} [${elapsedS(started).toFixed(0)} s]`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface SchedulerResult {
  podsPerS: number;
  createPerS: number;
  schedulerRssMb: number;
}

async function benchScheduler(opts: ScaleArgs): Promise<SchedulerResult> {
  const basePort = opts.basePort;
  console.log(
    `(a) scheduler throughput: ${opts.nodes} nodes, ${opts.pods} pods; 1-member etcd + apiserver (ports ${basePort}-${basePort + 1}, ${basePort + 100}) + scheduler`,
  );
  const cluster = await startTestCluster({ basePort, etcdMembers: 1 });
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  let watch: StreamedWatch | undefined;
  let scheduler: ComponentProcess | undefined;
  try {
    await createNamespace(cluster);
    await createNodes(cluster, opts.nodes, agent);
    const created = await runPhase(
      'create pods',
      opts.pods,
      32,
      async (i) => {
        const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: NS, labels: { app: 'sched' } }, spec: podTemplateSpec };
        expectStatus(`POST pod-${i}`, await apiRequest(cluster.admin, 'POST', `/api/v1/namespaces/${NS}/pods`, { body, agent }), 201);
      },
      progressEvery('  pending pods created', opts.pods),
    );
    const createPerS = opts.pods / (created.elapsedMs / 1000);
    console.log(`  ${opts.pods} pending pods created at ${createPerS.toFixed(0)}/s; starting the scheduler`);

    const list = await apiRequest(cluster.admin, 'GET', `/api/v1/namespaces/${NS}/pods?limit=1`);
    expectStatus('LIST pods', list, 200);
    const bound = new Set<string>();
    let first = 0;
    let last = 0;
    watch = await streamWatch(cluster.admin, `/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${list.json.metadata.resourceVersion}`, (event) => {
      const pod = event.object;
      if (event.type !== 'MODIFIED' || !pod?.spec?.nodeName || bound.has(pod.metadata.name)) return;
      const now = performance.now();
      if (bound.size === 0) first = now;
      last = now;
      bound.add(pod.metadata.name);
    });
    scheduler = await startScheduler(cluster, { args: ['--parallelism=16'], deferStart: true });
    const memory = new ProcessMemorySampler();
    await scheduler.start();
    memory.track('scheduler', scheduler.pid);
    await waitUntil(
      () => bound.size >= opts.pods || watch!.failed !== undefined,
      () => `bound ${bound.size}/${opts.pods}`,
      opts.timeoutS,
      'scheduling',
    );
    if (watch.failed) throw watch.failed;
    const podsPerS = bound.size > 1 ? (bound.size - 1) / ((last - first) / 1000) : 0;
    const schedulerRssMb = memory.peakMb('scheduler');
    memory.stop();
    console.log(
      `  ${bound.size} pods bound in ${((last - first) / 1000).toFixed(1)} s: ${podsPerS.toFixed(0)} pods/s (scheduler peak RSS ${schedulerRssMb.toFixed(0)} MB)`,
    );
    return { podsPerS, createPerS, schedulerRssMb };
  } finally {
    watch?.close();
    agent.destroy();
    await scheduler?.stop(5000).catch(() => scheduler?.kill());
    await cluster.stop();
  }
}

/** Ctrl-C or SIGTERM: the waits give up, so every phase's finally stops its processes. */
const interrupted = new AbortController();

export async function runScaleBench(args: string[]): Promise<void> {
  const opts = parseScaleArgs(args);
  const onSignal = () => interrupted.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await runPhases(opts);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function runPhases(opts: ScaleArgs): Promise<void> {
  const { benchKubemark } = await import('./scale-kubemark.ts');
  const { benchWorkloads } = await import('./scale-workloads.ts');
  const runs = (phase: (typeof PHASES)[number]) => opts.only === undefined || opts.only === phase;
  let sched: SchedulerResult | undefined;
  let kubemark: KubemarkResult | undefined;
  let workloads: WorkloadsResult | undefined;
  if (runs('scheduler')) sched = await benchScheduler(opts);
  if (runs('kubemark')) kubemark = await benchKubemark({ ...opts, basePort: opts.basePort + 10 });
  if (runs('workloads')) workloads = await benchWorkloads({ ...opts, basePort: opts.basePort + 20 });
  console.log('');
  if (sched) {
    console.log(
      `(a) scheduler_perf-style, ${opts.nodes} nodes / ${opts.pods} pods: ${sched.podsPerS.toFixed(0)} pods/s bound` +
        ` (pending pods were created at ${sched.createPerS.toFixed(0)}/s through the apiserver)`,
    );
    console.log(`    upstream: scheduler_perf 680 pods/s (5,000 nodes / 10,000 pods, larger machine); clusterloader2 400 pods/s; best published 1,000 pods/s`);
  }
  if (kubemark) {
    const k = kubemark;
    console.log(
      `(b) kubemark-style, ${opts.hollowNodes} hollow nodes, ${opts.deployments}x${opts.replicas} pods: all Running in ${k.allRunningS.toFixed(1)} s` +
        ` (${(k.pods / k.allRunningS).toFixed(0)} pods/s end to end)`,
    );
    console.log(
      `    API latency during the run (GET/LIST probe every 100 ms, ${k.probeSamples} samples): p50 ${k.p50Ms.toFixed(1)} ms, p99 ${k.p99Ms.toFixed(1)} ms`,
    );
    console.log(
      `    peak RSS MB: apiserver ${k.rssMb.apiserver.toFixed(0)}, controller-manager ${k.rssMb['controller-manager'].toFixed(0)}, scheduler ${k.rssMb.scheduler.toFixed(0)}, hollow kubelets ${k.rssMb.kubelet.toFixed(0)}, etcd ${k.rssMb.etcd.toFixed(0)}`,
    );
    console.log(`    raw etcd puts/s on the same etcd (pod-sized JSON, concurrency 32, 5 s): ${k.etcdPutsPerS.toFixed(0)}`);
  }
  if (workloads) {
    const w = workloads;
    console.log(
      `(c) workloads: a Job of ${opts.jobCompletions} completions at parallelism ${opts.jobParallelism}: ${w.jobCompletionsPerS.toFixed(1)} completions/s` +
        ` (ceiling ${w.jobCeilingPerS.toFixed(0)}/s: each pod runs ${opts.jobPodSeconds} s); a DaemonSet on ${w.daemonSetNodes} nodes: all Running in ${w.daemonSetAllRunningS.toFixed(1)} s`,
    );
    console.log(`    baseline, same run: bare pods created through the apiserver at ${w.podCreatesPerS.toFixed(0)}/s (no controller or scheduler in the path)`);
  }
  const fmt = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'NA' : n.toFixed(0));
  const fmt1 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'NA' : n.toFixed(1));
  if (sched || kubemark)
    console.log(
      `RESULT scale pods_per_s=${fmt(sched?.podsPerS)} all_running_s=${fmt1(kubemark?.allRunningS)} apiserver_rss_mb=${fmt(kubemark?.rssMb.apiserver)}` +
        ` controller_manager_rss_mb=${fmt(kubemark?.rssMb['controller-manager'])} scheduler_rss_mb=${fmt(kubemark?.rssMb.scheduler ?? sched?.schedulerRssMb)}` +
        ` etcd_puts_per_s=${fmt(kubemark?.etcdPutsPerS)} api_p50_ms=${fmt1(kubemark?.p50Ms)} api_p99_ms=${fmt1(kubemark?.p99Ms)}`,
    );
  if (workloads) {
    console.log(
      `RESULT workloads job_completions_per_s=${fmt1(workloads.jobCompletionsPerS)} daemonset_${workloads.daemonSetNodes}_nodes_s=${fmt1(workloads.daemonSetAllRunningS)}` +
        ` pod_creates_per_s=${fmt(workloads.podCreatesPerS)}`,
    );
  }
}
