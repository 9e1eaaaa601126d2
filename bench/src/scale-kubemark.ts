/**
 * `./skiff bench scale`, part (b), kubemark-style: hollow nodes heartbeating in one kubelet
 * process, the controller-manager and the scheduler; Deployments created at once, timed
 * until every pod is Running, with an API latency probe and memory sampling meanwhile,
 * then raw etcd puts on the same etcd as the ceiling.
 */
import { Agent } from 'node:https';
import { Etcd3 } from 'etcd3';
import { apiRequest, startControllerManager, startHollowNodes, startScheduler, startTestCluster, type ComponentProcess } from '@skiff/test/harness';
import { percentile } from './latency-stats.ts';
import { NS, createNamespace, elapsedS, expectStatus, podTemplateSpec, waitUntil, type ScaleArgs } from './scale-bench.ts';
import { LatencyProbe, ProcessMemorySampler, streamWatch, type StreamedWatch } from './scale-tools.ts';

export interface KubemarkResult {
  pods: number;
  allRunningS: number;
  p50Ms: number;
  p99Ms: number;
  probeSamples: number;
  rssMb: Record<'apiserver' | 'controller-manager' | 'scheduler' | 'kubelet' | 'etcd', number>;
  etcdPutsPerS: number;
}

const ETCD_PUT_SECONDS = 5;
const ETCD_PUT_CONCURRENCY = 32;

/** Raw etcd puts of `value` for `seconds` at `concurrency`: the storage's own write ceiling. */
async function measureEtcdPuts(endpoints: string[], value: string, seconds: number, concurrency: number): Promise<number> {
  const etcd = new Etcd3({ hosts: endpoints });
  try {
    let puts = 0;
    const until = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let i = 0; performance.now() < until; i++) {
          // Keys of their own, never under the apiserver's prefix.
          await etcd.put(`/skiff-bench/scale/${worker}/${i}`).value(value);
          puts++;
        }
      }),
    );
    return puts / ((performance.now() - started) / 1000);
  } finally {
    etcd.close();
  }
}

export async function benchKubemark(opts: ScaleArgs): Promise<KubemarkResult> {
  const pods = opts.deployments * opts.replicas;
  const basePort = opts.basePort;
  console.log(
    `(b) kubemark-style: ${opts.hollowNodes} hollow nodes, ${opts.deployments} Deployments x ${opts.replicas} replicas = ${pods} pods;` +
      ` 1-member etcd + apiserver (ports ${basePort}-${basePort + 1}, ${basePort + 100}) + controller-manager + scheduler`,
  );
  const cluster = await startTestCluster({ basePort, etcdMembers: 1 });
  const components: ComponentProcess[] = [];
  const memory = new ProcessMemorySampler();
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let watch: StreamedWatch | undefined;
  let probe: LatencyProbe | undefined;
  try {
    memory.track('apiserver', cluster.apiServer.pid);
    memory.track('etcd', cluster.etcd.members[0]?.pid);
    await createNamespace(cluster);
    // A /24 per node, as kube does: the default 10.244.0.0/16 holds only 256 of them, so
    // size the cluster CIDR to the node count (kubemark clusters use a /14 or wider too).
    const clusterPrefix = Math.max(8, 24 - Math.ceil(Math.log2(Math.max(256, opts.hollowNodes))));
    const cm = await startControllerManager(cluster, {
      args: [`--cluster-cidr=10.0.0.0/${clusterPrefix}`, '--node-cidr-mask-size=24', '--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10'],
    });
    components.push(cm);
    memory.track('controller-manager', cm.pid);
    const scheduler = await startScheduler(cluster, { args: ['--parallelism=16'] });
    components.push(scheduler);
    memory.track('scheduler', scheduler.pid);
    const kubelet = await startHollowNodes(cluster, { count: opts.hollowNodes, prefix: 'hollow-node-', cpu: '4', memory: '16Gi', maxPods: 110 });
    components.push(kubelet);
    memory.track('kubelet', kubelet.pid);

    console.log(`  waiting for ${opts.hollowNodes} hollow nodes to register Ready`);
    let readyNodes = 0;
    const countReady = async () => {
      const res = await apiRequest(cluster.admin, 'GET', '/api/v1/nodes', { agent, timeoutMs: 60_000 });
      expectStatus('LIST nodes', res, 200);
      readyNodes = (res.json.items as any[]).filter((n) => n.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).length;
    };
    const nodesSince = performance.now();
    for (;;) {
      await countReady();
      if (readyNodes >= opts.hollowNodes) break;
      if (elapsedS(nodesSince) > opts.timeoutS)
        throw new Error(`only ${readyNodes}/${opts.hollowNodes} nodes Ready after ${opts.timeoutS} s${kubelet.logTail()}`);
      console.log(`  nodes Ready ${readyNodes}/${opts.hollowNodes} [${elapsedS(nodesSince).toFixed(0)} s]`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    console.log(`  ${readyNodes} nodes Ready in ${elapsedS(nodesSince).toFixed(1)} s`);

    // Count Running, non-terminating pods from a watch that starts before the first Deployment.
    const list = await apiRequest(cluster.admin, 'GET', `/api/v1/namespaces/${NS}/pods?limit=1`, { agent });
    expectStatus('LIST pods', list, 200);
    const running = new Set<string>();
    const bound = new Set<string>();
    watch = await streamWatch(cluster.admin, `/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${list.json.metadata.resourceVersion}`, (event) => {
      const pod = event.object;
      const name: string = pod?.metadata?.name;
      if (!name) return;
      if (pod.spec?.nodeName) bound.add(name);
      if (event.type !== 'DELETED' && pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp) running.add(name);
      else running.delete(name);
    });
    probe = new LatencyProbe(cluster.admin, `/api/v1/nodes/hollow-node-0`, `/api/v1/namespaces/${NS}/pods?limit=100`);

    const started = performance.now();
    const creates = Array.from({ length: opts.deployments }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = creates.shift(); i !== undefined; i = creates.shift()) {
          const name = `dep-${i}`;
          const body = {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name, namespace: NS },
            spec: {
              replicas: opts.replicas,
              selector: { matchLabels: { app: name } },
              template: { metadata: { labels: { app: name } }, spec: podTemplateSpec },
            },
          };
          expectStatus(`POST deployment ${name}`, await apiRequest(cluster.admin, 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, { body, agent }), 201);
        }
      }),
    );
    console.log(`  ${opts.deployments} Deployments created in ${elapsedS(started).toFixed(1)} s`);
    await waitUntil(
      () => running.size >= pods || watch!.failed !== undefined,
      () => `pods bound ${bound.size}/${pods}, Running ${running.size}/${pods}`,
      opts.timeoutS,
      'all pods Running',
    );
    if (watch.failed) throw watch.failed;
    const allRunningS = elapsedS(started);
    probe.stop();
    console.log(`  all ${pods} pods Running after ${allRunningS.toFixed(1)} s; probe errors: ${probe.errors}`);

    const rssMb = {
      apiserver: memory.peakMb('apiserver'),
      'controller-manager': memory.peakMb('controller-manager'),
      scheduler: memory.peakMb('scheduler'),
      kubelet: memory.peakMb('kubelet'),
      etcd: memory.peakMb('etcd'),
    };
    // A pod as stored: the ceiling is etcd writing objects of this size.
    const sample = await apiRequest(cluster.admin, 'GET', `/api/v1/namespaces/${NS}/pods?limit=1`, { agent });
    const podJson = JSON.stringify(sample.json?.items?.[0] ?? { spec: podTemplateSpec });
    console.log(`  raw etcd puts of ${podJson.length}-byte pod JSON, concurrency ${ETCD_PUT_CONCURRENCY}, ${ETCD_PUT_SECONDS} s`);
    const etcdPutsPerS = await measureEtcdPuts(cluster.etcd.endpoints, podJson, ETCD_PUT_SECONDS, ETCD_PUT_CONCURRENCY);
    return {
      pods,
      allRunningS,
      p50Ms: percentile(probe.samplesMs, 50),
      p99Ms: percentile(probe.samplesMs, 99),
      probeSamples: probe.samplesMs.length,
      rssMb,
      etcdPutsPerS,
    };
  } finally {
    probe?.stop();
    watch?.close();
    memory.stop();
    agent.destroy();
    for (const c of components.reverse()) await c.stop(5000).catch(() => c.kill());
    await cluster.stop();
  }
}
