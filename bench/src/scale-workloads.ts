/**
 * `./skiff bench scale`, part (c): the batch and node workloads on hollow nodes.
 * - A Job of `jobCompletions` completions at `jobParallelism`, its pods confined to the
 *   first `jobNodes` hollow nodes; each hollow container exits 0 after `jobPodSeconds`
 *   (the fake runtime's `hollow.skiff.dev/exit-after` annotation). Reports completions/s
 *   from the Job's creation to its Complete condition; the ceiling is
 *   parallelism / jobPodSeconds.
 * - A DaemonSet on every hollow node: seconds from its creation until each node runs
 *   its pod.
 * Beside both, the baseline of the same run: bare pods POSTed through the same apiserver
 * (pods created per second), then deleted before the workloads start.
 */
import { Agent } from 'node:https';
import {
  apiRequest,
  startControllerManager,
  startHollowNodes,
  startScheduler,
  startTestCluster,
  type ComponentProcess,
  type TestCluster,
} from '@skiff/test/harness';
import { runPhase } from './latency-stats.ts';
import { NS, createNamespace, elapsedS, expectStatus, podTemplateSpec, progressEvery, waitUntil, type ScaleArgs } from './scale-bench.ts';
import { streamWatch, type StreamedWatch } from './scale-tools.ts';

export interface WorkloadsResult {
  podCreatesPerS: number;
  jobCompletionsPerS: number;
  jobCeilingPerS: number;
  daemonSetNodes: number;
  daemonSetAllRunningS: number;
}

const POOL = 'bench.skiff.dev/pool';
const BASELINE_PODS = 1000;

async function waitForReadyNodes(cluster: TestCluster, want: number, agent: Agent, timeoutS: number, log: () => string): Promise<void> {
  const since = performance.now();
  for (;;) {
    const res = await apiRequest(cluster.admin, 'GET', '/api/v1/nodes', { agent, timeoutMs: 60_000 });
    expectStatus('LIST nodes', res, 200);
    const ready = (res.json.items as any[]).filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= want) {
      console.log(`  ${ready} nodes Ready in ${elapsedS(since).toFixed(1)} s`);
      return;
    }
    if (elapsedS(since) > timeoutS) throw new Error(`only ${ready}/${want} nodes Ready after ${timeoutS} s${log()}`);
    console.log(`  nodes Ready ${ready}/${want} [${elapsedS(since).toFixed(0)} s]`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Watches pods in the bench namespace from now on; `onPod` sees every event's object. */
async function watchPods(cluster: TestCluster, agent: Agent, onPod: (type: string, pod: any) => void): Promise<StreamedWatch> {
  const list = await apiRequest(cluster.admin, 'GET', `/api/v1/namespaces/${NS}/pods?limit=1`, { agent });
  expectStatus('LIST pods', list, 200);
  return streamWatch(cluster.admin, `/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${list.json.metadata.resourceVersion}`, (event) => {
    if (event.object?.metadata?.name) onPod(event.type, event.object);
  });
}

/** The baseline: bare pods POSTed at concurrency 32 (no controller in the path), then removed. */
async function measurePodCreates(cluster: TestCluster, agent: Agent): Promise<number> {
  const created = await runPhase(
    'create pods',
    BASELINE_PODS,
    32,
    async (i) => {
      const body = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `baseline-${i}`, namespace: NS, labels: { app: 'baseline' } }, spec: podTemplateSpec };
      expectStatus(`POST baseline-${i}`, await apiRequest(cluster.admin, 'POST', `/api/v1/namespaces/${NS}/pods`, { body, agent }), 201);
    },
    progressEvery('  baseline pods created', BASELINE_PODS),
  );
  const perS = BASELINE_PODS / (created.elapsedMs / 1000);
  console.log(`  baseline: ${BASELINE_PODS} bare pods created at ${perS.toFixed(0)}/s; deleting them`);
  const del = await apiRequest(cluster.admin, 'DELETE', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dbaseline&gracePeriodSeconds=0`, {
    agent,
    timeoutMs: 120_000,
  });
  expectStatus('DELETE baseline pods', del, 200);
  return perS;
}

async function benchJob(cluster: TestCluster, agent: Agent, opts: ScaleArgs): Promise<number> {
  const { jobCompletions: completions, jobParallelism: parallelism } = opts;
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'bench-job', namespace: NS },
    spec: {
      completions,
      parallelism,
      backoffLimit: 0,
      template: {
        metadata: { annotations: { 'hollow.skiff.dev/exit-after': `${opts.jobPodSeconds}s`, 'hollow.skiff.dev/exit-code': '0' } },
        spec: { ...podTemplateSpec, restartPolicy: 'Never', nodeSelector: { [POOL]: 'job' } },
      },
    },
  };
  let succeeded = 0;
  let active = 0;
  let complete = false;
  let failed = '';
  const list = await apiRequest(cluster.admin, 'GET', `/apis/batch/v1/namespaces/${NS}/jobs?limit=1`, { agent });
  expectStatus('LIST jobs', list, 200);
  const watch = await streamWatch(
    cluster.admin,
    `/apis/batch/v1/namespaces/${NS}/jobs?watch=true&resourceVersion=${list.json.metadata.resourceVersion}`,
    (event) => {
      const status = event.object?.status ?? {};
      succeeded = status.succeeded ?? 0;
      active = status.active ?? 0;
      for (const c of status.conditions ?? []) {
        if (c.status !== 'True') continue;
        if (c.type === 'Complete') complete = true;
        if (c.type === 'Failed') failed = `${c.reason}: ${c.message}`;
      }
    },
  );
  try {
    const started = performance.now();
    expectStatus('POST job', await apiRequest(cluster.admin, 'POST', `/apis/batch/v1/namespaces/${NS}/jobs`, { body: job, agent }), 201);
    await waitUntil(
      () => complete || failed !== '' || watch.failed !== undefined,
      () => `job succeeded ${succeeded}/${completions}, active ${active}`,
      opts.timeoutS,
      'the Job to complete',
    );
    if (watch.failed) throw watch.failed;
    if (failed) throw new Error(`the bench Job failed: ${failed}`);
    const seconds = elapsedS(started);
    const perS = completions / seconds;
    console.log(`  Job of ${completions} completions (parallelism ${parallelism}) Complete in ${seconds.toFixed(1)} s: ${perS.toFixed(1)} completions/s`);
    return perS;
  } finally {
    watch.close();
  }
}

async function benchDaemonSet(cluster: TestCluster, agent: Agent, nodes: number, timeoutS: number): Promise<number> {
  const running = new Set<string>();
  const watch = await watchPods(cluster, agent, (type, pod) => {
    if (pod.metadata.labels?.app !== 'bench-ds') return;
    const key = pod.spec?.nodeName ?? pod.metadata.name;
    if (type !== 'DELETED' && pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp) running.add(key);
    else running.delete(key);
  });
  try {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'bench-ds', namespace: NS },
      spec: {
        selector: { matchLabels: { app: 'bench-ds' } },
        template: { metadata: { labels: { app: 'bench-ds' } }, spec: podTemplateSpec },
      },
    };
    const started = performance.now();
    expectStatus('POST daemonset', await apiRequest(cluster.admin, 'POST', `/apis/apps/v1/namespaces/${NS}/daemonsets`, { body: ds, agent }), 201);
    await waitUntil(
      () => running.size >= nodes || watch.failed !== undefined,
      () => `daemon pods Running on ${running.size}/${nodes} nodes`,
      timeoutS,
      'the DaemonSet on every node',
    );
    if (watch.failed) throw watch.failed;
    const seconds = elapsedS(started);
    console.log(`  DaemonSet Running on all ${nodes} nodes after ${seconds.toFixed(1)} s`);
    return seconds;
  } finally {
    watch.close();
  }
}

export async function benchWorkloads(opts: ScaleArgs): Promise<WorkloadsResult> {
  const basePort = opts.basePort;
  const jobNodes = Math.min(opts.jobNodes, opts.hollowNodes);
  console.log(
    `(c) workloads: ${opts.hollowNodes} hollow nodes; a Job of ${opts.jobCompletions} completions at parallelism ${opts.jobParallelism} on ${jobNodes} of them` +
      ` (each pod exits after ${opts.jobPodSeconds} s), then a DaemonSet on all; 1-member etcd + apiserver (ports ${basePort}-${basePort + 1}, ${basePort + 100})`,
  );
  const cluster = await startTestCluster({ basePort, etcdMembers: 1 });
  const components: ComponentProcess[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  try {
    await createNamespace(cluster);
    const clusterPrefix = Math.max(8, 24 - Math.ceil(Math.log2(Math.max(256, opts.hollowNodes))));
    const cm = await startControllerManager(cluster, {
      args: [`--cluster-cidr=10.0.0.0/${clusterPrefix}`, '--node-cidr-mask-size=24', '--concurrent-job-syncs=10', '--concurrent-daemonset-syncs=10'],
    });
    components.push(cm);
    components.push(await startScheduler(cluster, { args: ['--parallelism=16'] }));
    const node = { cpu: '4', memory: '16Gi', maxPods: 110 };
    const jobPool = await startHollowNodes(cluster, { ...node, count: jobNodes, prefix: 'job-node-', labels: `${POOL}=job` });
    components.push(jobPool);
    const rest = opts.hollowNodes - jobNodes;
    const restPool = rest > 0 ? await startHollowNodes(cluster, { ...node, count: rest, prefix: 'hollow-node-', labels: `${POOL}=rest` }) : undefined;
    if (restPool) components.push(restPool);
    console.log(`  waiting for ${opts.hollowNodes} hollow nodes to register Ready`);
    await waitForReadyNodes(cluster, opts.hollowNodes, agent, opts.timeoutS, () => jobPool.logTail() + (restPool?.logTail() ?? ''));

    const podCreatesPerS = await measurePodCreates(cluster, agent);
    const jobCompletionsPerS = await benchJob(cluster, agent, opts);
    const daemonSetAllRunningS = await benchDaemonSet(cluster, agent, opts.hollowNodes, opts.timeoutS);
    return {
      podCreatesPerS,
      jobCompletionsPerS,
      jobCeilingPerS: opts.jobParallelism / opts.jobPodSeconds,
      daemonSetNodes: opts.hollowNodes,
      daemonSetAllRunningS,
    };
  } finally {
    agent.destroy();
    for (const c of components.reverse()) await c.stop(5000).catch(() => c.kill());
    await cluster.stop();
  }
}
